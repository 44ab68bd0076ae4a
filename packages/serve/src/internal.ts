/**
 * @runlog/serve/internal: the scoring server's parts, for runlog's own packages and tests. Not
 * part of the public API: names here may change or go in any release.
 *
 * @module @runlog/serve/internal
 */
export { defaultTimeoutMs } from './serve-model.js';
export { ScoringServer } from './scoring-server.js';
export { DynamicBatcher } from './dynamic-batcher.js';
export { describeServedModel } from './served-model.js';
export { parseContentType, type BodyFormat } from './content-type.js';
