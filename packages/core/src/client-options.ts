import type { BatchUploaderOptions } from './batch-uploader.js';
import type { MetricDataset } from './client-logged-models.js';
import type { ViewType } from './entities.js';
import type { TrackingStore } from './store.js';
import type { Durability, JournalOptions } from './journal/durability.js';
import type { RegistryClientOptions } from './registry/registry-methods.js';

/** Options of `new RunlogClient()`; every one is optional. */
export interface RunlogClientOptions {
  /** A path, `file:` URI or `http(s)://` MLflow server. Default: MLFLOW_TRACKING_URI, else ./mlruns. */
  trackingUri?: string | undefined;
  /** Use this store instead of opening one from the URI. */
  store?: TrackingStore | undefined;
  /**
   * How long opening a connection to the tracking server may take before it counts as away
   * (milliseconds). Default RUNLOG_CONNECT_TIMEOUT_MS, else 2000.
   */
  connectTimeoutMs?: number | undefined;
  /** Tuning of the background uploader (concurrency, batchDelayMs, maxQueueSize, retry). */
  uploader?: Omit<BatchUploaderOptions, 'store' | 'onError'> | undefined;
  /** Background failures (a batch the server refused, a full queue). Default: NODE_DEBUG=runlog output. */
  onError?: ((err: Error) => void) | undefined;
  /** How long reads wait for this run's queued records to land first (read-your-writes). */
  readFlushTimeoutMs?: number | undefined;
  /**
   * How records are kept until a tracking server has them: 'journal' (default for a server),
   * 'fsync-every-flush' or 'memory'; RUNLOG_DURABILITY. The local store always writes directly.
   */
  durability?: Durability | undefined;
  /** Journal location and tuning (dir: RUNLOG_JOURNAL_DIR, else ~/.local/state/runlog/journal). */
  journal?: JournalOptions | undefined;
  env?: Record<string, string | undefined> | undefined;
  /** Model registry URI (a path, `file:` URI or MLflow server). Default: MLFLOW_REGISTRY_URI, else the tracking URI. */
  registryUri?: RegistryClientOptions['registryUri'];
  /** Use this registry store instead of opening one. */
  registryStore?: RegistryClientOptions['registryStore'];
}

/** searchRuns() options: MLflow's filter and order-by syntax. */
export interface SearchRunsOptions {
  experimentIds: string[];
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  viewType?: ViewType | undefined;
  pageToken?: string | undefined;
}

/** searchExperiments() options. */
export interface SearchExperimentsOptions {
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  maxResults?: number | undefined;
  viewType?: ViewType | undefined;
  pageToken?: string | undefined;
}

/** Step and timestamp of a metric point, and (MLflow 3) the model and dataset it belongs to. */
export interface LogMetricOptions {
  step?: number | undefined;
  /** Milliseconds since the epoch; default: now, fixed at the call. */
  timestamp?: number | undefined;
  /** A LoggedModel id (`m-…`): the point also shows under that model, as in MLflow 3. */
  modelId?: string | undefined;
  /** The dataset the value was computed on. */
  dataset?: MetricDataset | undefined;
}
