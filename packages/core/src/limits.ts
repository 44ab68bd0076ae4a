/** MLflow's limits (mlflow/utils/validation.py, 3.x), which the server enforces and runlog checks first. */
export const MAX_METRICS_PER_BATCH = 1000;
export const MAX_PARAMS_TAGS_PER_BATCH = 100;
export const MAX_ENTITIES_PER_BATCH = 1000;
/** The documented request-size limit of runs/log-batch; runlog keeps each request under it. */
export const MAX_BATCH_REQUEST_BYTES = 1_000_000;
export const MAX_ENTITY_KEY_LENGTH = 250;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_TAG_VALUE_LENGTH = 8000;
export const MAX_EXPERIMENT_NAME_LENGTH = 500;
/** Page size the Python client uses for metrics/get-history. */
export const METRIC_HISTORY_PAGE_SIZE = 25_000;
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
export const SEARCH_MAX_RESULTS_THRESHOLD = 50_000;
