/**
 * @runlog/serve: MLflow's scoring protocol (`mlflow models serve`) over a model loadModel() opens,
 * on node:http, with dynamic batching of concurrent requests. Flavors are registered by the
 * `runlog` package (or by the caller); this package imports none.
 *
 * @module @runlog/serve
 */
export {
  serveModel,
  DEFAULT_HOST,
  DEFAULT_PORT,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_TIMEOUT_MS,
  type ServeOptions,
  type ServeHandle,
} from './serve-model.js';
export type { ScoringServer, ScoringServerOptions, ServeStats } from './scoring-server.js';
export type { BatchingOptions, BatcherStats } from './dynamic-batcher.js';
export type { ServedModel } from './served-model.js';
export { ScoringError, type ScoringErrorCode } from './scoring-error.js';
