/**
 * The autolog plugin contract. A plugin declares in one place what it hooks (its framework
 * modules) and how to enable and disable itself; `autolog()` in the `runlog` package finds the
 * installed plugins and calls them. enable() and disable() may be called any number of times;
 * disable() restores exactly what enable() changed.
 */

/** Options shared by every plugin; names mirror MLflow's autolog arguments in camelCase. */
export interface AutologOptions {
  /** Turn autologging off and restore what it changed. */
  disable?: boolean | undefined;
  /** Log only into runs autolog creates itself; leave the user's runs alone. */
  exclusive?: boolean | undefined;
  /** No warnings on stderr (failures still go to NODE_DEBUG=runlog). */
  silent?: boolean | undefined;
  /** Log the trained/used model (default true). */
  logModels?: boolean | undefined;
  /** Log an input example with the model (default false). */
  logInputExamples?: boolean | undefined;
  /** Log the training and validation data as dataset inputs of the run (default true). */
  logDatasets?: boolean | undefined;
  /** Log a signature with the model (default true). */
  logModelSignatures?: boolean | undefined;
  /** Also log batch-level metrics every N steps (default: off, epoch-level only). */
  logEveryNSteps?: number | undefined;
  /** Register each logged model as a new version of the registered model of this name. */
  registeredModelName?: string | undefined;
  /** Log system metrics in runs autolog creates (default: MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING). */
  logSystemMetrics?: boolean | undefined;
  /** Tags added to runs autolog creates. */
  extraTags?: Record<string, string> | undefined;
}

export interface AutologPlugin<P = Record<string, unknown>> {
  /** The flavor name, used for the `mlflow.autologging` tag and per-plugin options. */
  readonly name: string;
  /**
   * Enables the plugin, synchronously, so that `autolog()` at the top of a script (not awaited)
   * is in place before the first fit(). Returns false (doing nothing) when its framework is not
   * installed. Never throws for a framework problem: it warns once unless `silent`.
   */
  enable(options: AutologOptions, pluginOptions?: P): boolean;
  /** Restores everything enable() changed; resolves once it has. Idempotent. */
  disable(): Promise<void>;
  /** What it hooks (declared with defineAutologPlugin): module names and the tested version range. */
  readonly target?: { readonly modules: readonly string[]; readonly supportedVersions: string } | undefined;
}
