/**
 * @runlog/serve: MLflow's scoring protocol (`mlflow models serve`) over a model loadModel() opens,
 * on node:http, with dynamic batching of concurrent requests. Flavors are registered by the
 * `runlog` package (or by the caller); this package imports none.
 */
export { serveModel, defaultTimeoutMs, DEFAULT_HOST, DEFAULT_PORT, DEFAULT_MAX_BODY_BYTES, DEFAULT_TIMEOUT_MS, type ServeOptions, type ServeHandle } from './serve-model.js';
export { ScoringServer, type ScoringServerOptions, type ServeStats } from './scoring-server.js';
export { DynamicBatcher, type BatchingOptions, type BatcherStats } from './dynamic-batcher.js';
export { describeServedModel, type ServedModel } from './served-model.js';
export { ScoringError, type ScoringErrorCode } from './scoring-error.js';
export { parseContentType, type BodyFormat } from './content-type.js';
