/**
 * @runlog/core/internal: plumbing shared by runlog's own packages (models, flavors, the CLI).
 * Not part of the public API: names here may change or go in any release. Users import from
 * `runlog` (or `@runlog/core`) instead.
 *
 * @packageDocumentation
 */
export { resolveTrackingTarget, resolveAuth, resolveTls, redactUri, type TrackingTarget, type Auth, type TlsConfig } from './config.js';
export { BatchUploader } from './batch-uploader.js';
export { RetryableError } from './errors.js';
export { isTrackingServerStore, type TrackingServerStore } from './store.js';
export { RestClient, type RestClientOptions } from './rest/rest-client.js';
export { RestStore } from './rest/rest-store.js';
export { FileStore } from './stores/file-store.js';
export { openStore, openRegistryStore } from './store-factory.js';
export { startRunForAutolog } from './fluent.js';
export { currentUser, defaultRunTags } from './run-context-tags.js';
export { validateKey, validateArtifactPath } from './validation.js';
export {
  pyFloatRepr,
  parsePythonFloat,
  parsePythonInt,
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
export { beginAutologRun, finishAutologRun, warnOnce, type AutologRun } from './autolog/autolog-run.js';
export { requireFramework, resolveFramework, loadFramework, resolveFrameworkImport } from './autolog/require-framework.js';
export { wrapMethod, unwrapMethod, isRunlogWrapper, RUNLOG_WRAPPER, type MethodPatch, type AnyFunction } from './autolog/method-patch.js';
export { asFrameworkModule, checkSupportedVersion, type FrameworkTarget } from './autolog/framework-target.js';
export { addShutdownHook, SHUTDOWN_SIGNALS, type ShutdownHook } from './shutdown-hooks.js';
export { defineAutologPlugin, type AutologPluginSpec, type DefinedAutologPlugin } from './autolog/define-plugin.js';
export { METRIC_HISTORY_PAGE_SIZE, SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_THRESHOLD } from './limits.js';
export { ACTIVE_STAGES, STAGE_DELETED_INTERNAL, canonicalStage } from './registry/entities.js';
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
export { appendToUriPath } from './stores/file-store-layout.js';
export { DURABILITIES } from './journal/durability.js';
export { scanSession, sessionDirs, type SessionSummary } from './journal/journal-scan.js';
export { PublishMarks, runFingerprint, defaultPublishMarksDir, type PublishMark } from './sync/publish-marks.js';
export { SystemMetricsMonitor, type SystemMetricsMonitorOptions, type MonitorTimers } from './system-metrics/system-metrics-monitor.js';
export { SystemSampler, currentProcessProbe, type Sampler, type SystemSamplerOptions, type ProcessProbe } from './system-metrics/system-sampler.js';
export { parseNvidiaSmiCsv } from './system-metrics/nvidia-smi.js';
export { environmentTags, runlogVersion } from './run-environment-tags.js';
// ---- for @runlog/ui: serving a local store over MLflow's REST API ----
export { applyRunSearch, runSearchMatcher, runSearchOrder, validateRunFilter } from './search/run-search.js';
export { applyExperimentSearch } from './search/experiment-search.js';
export { createPageToken, parsePageToken, resolveMaxResults } from './search/paginate.js';
export { parseRunMeta, type StoredRun } from './stores/file-store-meta.js';
export { parseMetricLine } from './stores/file-store-format.js';
export { latestPoint, readMetricFile } from './stores/file-store-runs.js';
export { encodeDouble, decodeDouble, decodeMetric } from './rest/wire.js';
export { debug } from './debug.js';
