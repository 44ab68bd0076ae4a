/**
 * @runlog/core: MLflow-compatible experiment tracking for Node.js — the fluent API, RunlogClient,
 * the error hierarchy, entities and the journal/sync tools. Every public name is listed here on
 * purpose (no `export *`): `test/public-api.test.ts` snapshots the list, so a change to it is a
 * deliberate diff. Plumbing that the sibling packages share lives in `@runlog/core/internal`,
 * which is not part of the public API and may change in any release.
 *
 * @packageDocumentation
 */

// ---- Errors ----
export {
  RunlogError,
  InvalidArgumentError,
  NoActiveRunError,
  RunAlreadyActiveError,
  NotFoundError,
  MlflowServerError,
  CredentialsRefusedError,
  NetworkError,
  UnsentRecordsError,
  CorruptStoreError,
  StoreWriteError,
  InvalidFilterError,
  ClosedError,
  QueueFullError,
  ModelFormatError,
  UnknownFlavorError,
  SchemaMismatchError,
  InvalidModelUriError,
  AlreadyExistsError,
  ERROR_CODES,
} from './errors.js';

// ---- Entities ----
export {
  RUN_STATUS_CODES,
  type RunStatus,
  type LifecycleStage,
  type ViewType,
  type Experiment,
  type RunInfo,
  type Metric,
  type Param,
  type RunTag,
  type RunData,
  type Run,
  type FileInfo,
  type PagedList,
  type LoggedModelStatus,
  type LoggedModel,
  type CreateLoggedModelOptions,
  type LoggedModelMetric,
  type LoggedModelOrderBy,
  type LoggedModelOutput,
  type RunOutputs,
} from './entities.js';

// ---- MLflow's request limits (what one logBatch may carry) ----
export {
  MAX_METRICS_PER_BATCH,
  MAX_PARAMS_TAGS_PER_BATCH,
  MAX_ENTITIES_PER_BATCH,
  MAX_BATCH_REQUEST_BYTES,
  MAX_ENTITY_KEY_LENGTH,
  MAX_PARAM_VALUE_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  MAX_EXPERIMENT_NAME_LENGTH,
} from './limits.js';

// ---- Client ----
export {
  RunlogClient,
  type RunlogClientOptions,
  type SearchRunsOptions,
  type SearchExperimentsOptions,
  type LogMetricOptions,
} from './client.js';
export { lastLoggedModelId, type SearchLoggedModelsOptions, type MetricDataset } from './client-logged-models.js';
export type { BatchUploader, BatchUploaderOptions, UploaderStats } from './batch-uploader.js';
export type { RetryPolicy } from './rest/retry-policy.js';
export type {
  TrackingStore,
  LogBatch,
  CreateRunRequest,
  UpdateRunRequest,
  SearchRunsRequest,
  SearchExperimentsRequest,
  SearchLoggedModelsRequest,
  StoreCapabilities,
  TrackingServerAccess,
  FailoverAccess,
} from './store.js';

// ---- Fluent API ----
export {
  ActiveRun,
  type StartRunOptions,
  type EndRunOptions,
  type FluentSearchRunsOptions,
  getClient,
  setTrackingUri,
  getTrackingUri,
  configure,
  createExperiment,
  getExperimentByName,
  setExperiment,
  startRun,
  lastActiveRun,
  activeRun,
  endRun,
  withRun,
  logMetric,
  logMetrics,
  logParam,
  logParams,
  setTag,
  setTags,
  deleteTag,
  logArtifact,
  logArtifacts,
  logText,
  logDict,
  getRun,
  getMetricHistory,
  listArtifacts,
  downloadArtifacts,
  searchRuns,
  searchLoggedModels,
  getLoggedModel,
  setLoggedModelTags,
  flush,
  shutdown,
} from './fluent.js';

// ---- Model Registry ----
export {
  MODEL_VERSION_STAGES,
  type ModelVersionStage,
  type ModelVersionStatus,
  type VersionLike,
  type ModelVersion,
  type RegisteredModel,
} from './registry/entities.js';
export type { RegistryStore, CreateModelVersionRequest, RegistrySearchRequest } from './registry/registry-store.js';
export type { RegistryClientOptions, SearchRegistryOptions, CreateModelVersionOptions } from './registry/registry-methods.js';

// ---- Durability: journal, sync, publishing a local store, status ----
export type { Durability, JournalOptions } from './journal/durability.js';
export { defaultJournalDir } from './journal/journal-location.js';
export { syncJournals, type SyncJournalsOptions, type SessionSyncResult, type SyncProgress } from './journal/journal-sync.js';
export { CLIENT_RUN_ID_TAG } from './journal/failover-store.js';
export {
  publishLocalRuns,
  SOURCE_RUN_TAG,
  type PublishLocalRunsOptions,
  type PublishProgress,
  type PublishedRun,
  type PublishSummary,
} from './sync/publish-local-runs.js';
export { trackingStatus, type TrackingStatus } from './status/tracking-status.js';
// ---- System metrics (issue #13) ----
export {
  enableSystemMetricsLogging,
  disableSystemMetricsLogging,
  systemMetricsSettings,
  type SystemMetricsSettings,
} from './system-metrics/system-metrics-config.js';

// ---- Autolog plugin contract (the kit to write one is in @runlog/core/internal) ----
export type { AutologOptions, AutologPlugin } from './autolog/plugin.js';
