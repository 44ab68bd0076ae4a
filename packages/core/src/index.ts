export * from './entities.js';
export * from './errors.js';
export * from './limits.js';
export type {
  TrackingStore,
  LogBatch,
  CreateRunRequest,
  UpdateRunRequest,
  SearchRunsRequest,
  SearchExperimentsRequest,
} from './store.js';
export { resolveTrackingTarget, resolveAuth, resolveTls, redactUri, type TrackingTarget, type Auth, type TlsConfig } from './config.js';
export { BatchUploader, type BatchUploaderOptions, type UploaderStats } from './batch-uploader.js';
export { RestClient, type RestClientOptions } from './rest/rest-client.js';
export { RestStore } from './rest/rest-store.js';
export { FileStore } from './stores/file-store.js';
export { openStore } from './store-factory.js';
export type { RetryPolicy } from './rest/retry-policy.js';
export {
  RunlogClient,
  type RunlogClientOptions,
  type SearchRunsOptions,
  type SearchExperimentsOptions,
  type LogMetricOptions,
} from './client.js';
export * from './fluent.js';
export { validateKey, validateArtifactPath } from './validation.js';
export { pyYamlDump } from './stores/py-yaml-dump.js';
export { pyYamlLoad, resolvePlain, compareCodePoints } from './stores/py-yaml.js';
export { FileArtifacts, localPathFromUri, pathToFileUri } from './stores/local-artifacts.js';
export { listFilesRecursive } from './fs-walk.js';
export type { AutologOptions, AutologPlugin } from './autolog/plugin.js';
export { beginAutologRun, finishAutologRun, warnOnce, type AutologRun } from './autolog/autolog-run.js';
export { requireFramework, resolveFramework } from './autolog/require-framework.js';
