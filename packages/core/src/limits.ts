/** MLflow's limits (mlflow/utils/validation.py, 3.x), which the server enforces and runlog checks first. */
export const MAX_METRICS_PER_BATCH = 1000;
/** Most params plus tags in one `runs/log-batch` request (MLflow's limit). */
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
/** Most metrics, params and tags together in one `runs/log-batch` request. */
export const MAX_ENTITIES_PER_BATCH = 1000;
/** The documented request-size limit of runs/log-batch; runlog keeps each request under it. */
export const MAX_BATCH_REQUEST_BYTES = 1_000_000;
/** Longest metric, param or tag key, in characters. */
export const MAX_ENTITY_KEY_LENGTH = 250;
/** Longest param value, in characters (longer ones are truncated unless MLFLOW_TRUNCATE_LONG_VALUES=false). */
export const MAX_PARAM_VALUE_LENGTH = 6000;
/** Longest tag value, in characters (longer ones are truncated unless MLFLOW_TRUNCATE_LONG_VALUES=false). */
export const MAX_TAG_VALUE_LENGTH = 8000;
/** Longest experiment name, in characters. */
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
/** Page size the Python client uses for metrics/get-history. */
export const METRIC_HISTORY_PAGE_SIZE = 25_000;
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50_000;
