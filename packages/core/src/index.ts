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
/**
 * @internal Python-compatible encoding (float repr, json.dumps, PyYAML/libyaml YAML), shared with
 * the models package; not public API (to move to an internal subpath export).
 */
export {
  pyFloatRepr,
  PyFloat,
  PyFloatTree,
  pyJsonDumps,
  pyYamlDump,
  pyYamlLoad,
  resolvePlain,
  compareCodePoints,
  type PyJsonOptions,
  type PyYamlValue,
  type PyYamlMapping,
  type PyYamlData,
  type PyYamlDumpOptions,
  type YamlDialect,
} from './py/index.js';
export { FileArtifacts, localPathFromUri, pathToFileUri } from './stores/local-artifacts.js';
export { listFilesRecursive } from './fs-walk.js';
export type { AutologOptions, AutologPlugin } from './autolog/plugin.js';
export { beginAutologRun, finishAutologRun, warnOnce, type AutologRun } from './autolog/autolog-run.js';
export { requireFramework, resolveFramework } from './autolog/require-framework.js';
export {
  publishLocalRuns,
  SOURCE_RUN_TAG,
  type PublishLocalRunsOptions,
  type PublishProgress,
  type PublishedRun,
  type PublishSummary,
} from './sync/publish-local-runs.js';
// ---- Model Registry (issue #6) ----
export * from './registry/entities.js';
export type { RegistryStore, CreateModelVersionRequest, RegistrySearchRequest } from './registry/registry-store.js';
export type { RegistryClientOptions, SearchRegistryOptions, CreateModelVersionOptions } from './registry/registry-methods.js';
export {
  validateModelName,
  validateFileModelName,
  validateAlias,
  validateAliasNotReserved,
  validateRegistryTag,
  parseVersion,
  MAX_ALIAS_LENGTH,
  MAX_REGISTRY_TAG_KEY_LENGTH,
  MAX_REGISTRY_TAG_VALUE_LENGTH,
} from './registry/validation.js';
export { parseModelsUri, type ModelsUriRef } from './registry/models-uri.js';
export { RestRegistryStore } from './rest/rest-registry-store.js';
export { FileRegistryStore, type FileRegistryStoreOptions } from './stores/file-registry-store.js';
export { openRegistryStore } from './store-factory.js';
export { appendToUriPath } from './stores/file-store-layout.js';
export { type Durability, type JournalOptions, DURABILITIES } from './journal/durability.js';
export { defaultJournalDir } from './journal/journal-location.js';
export { scanSession, sessionDirs, type SessionSummary } from './journal/journal-scan.js';
export { syncJournals, type SyncJournalsOptions, type SessionSyncResult } from './journal/journal-sync.js';
export { CLIENT_RUN_ID_TAG } from './journal/failover-store.js';
export { trackingStatus, type TrackingStatus } from './status/tracking-status.js';
