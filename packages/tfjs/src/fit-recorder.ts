import type * as tfjs from '@tensorflow/tfjs';
import { beginAutologRun, finishAutologRun, warnOnce, type AutologOptions, type AutologRun, type RunlogClient, type RunStatus } from '@runlog/core';
import { logModel, type Flavor } from '@runlog/models';
import { autologCallback, callbacksWith, findEarlyStopping, readLogs, type FitEvents, type UnresolvedLogs } from './autolog-callback.js';
import { earlyStoppingParams, fitArgParams, modelParams, pyStr, type EarlyStoppingLike, type FitKind } from './fit-params.js';
import { tensorNames } from './infer-signature.js';
import { firstDatasetRows, firstRows } from './input-example-rows.js';
import type { TfjsModule } from './resolve-tfjs.js';
import { tfjsFlavor } from './tfjs-flavor.js';

export const PLUGIN_NAME = 'tfjs';

/**
 * One autologged fit()/fitDataset(): its run, the params logged at the start, the callback that
 * logs epoch (and, with logEveryNSteps, batch) metrics, and what is logged at the end. Every
 * logging step is guarded: a failure is reported once through warnOnce and never reaches training.
 *
 * Metrics: every epoch log under TF.js's own names (`loss`, `acc`, `val_loss`, ...) at
 * step = epoch (0-based, counting from initialEpoch); with logEveryNSteps = N, batch logs every N
 * batches as `batch_<name>` at step = batches trained so far in this fit (MLflow's
 * `optimizer.iterations`). The prefix keeps the epoch histories one point per epoch: MLflow
 * forbids epoch and step logging together, runlog allows both.
 */
export class FitRecorder implements FitEvents {
  readonly batchEvents: FitEvents['batchEvents'];
  private readonly runId: string;
  private readonly client: RunlogClient;
  private earlyStopping: EarlyStoppingLike | undefined;
  private earlyStoppingWait = 0;
  private stoppedEpoch: number | undefined;
  private trainingModel: { stopTraining?: boolean } | undefined;
  private batches = 0;
  private batchSizeLogged: boolean;
  private readonly pending: Array<Promise<void>> = [];

  /** Starts (or joins) the run; null when autologging stays out of this fit (`exclusive`). */
  static async begin(
    tf: TfjsModule,
    model: tfjs.LayersModel,
    kind: FitKind,
    options: AutologOptions,
  ): Promise<FitRecorder | null> {
    const handle = await beginAutologRun(PLUGIN_NAME, options);
    return handle ? new FitRecorder(tf, model, kind, options, handle) : null;
  }

  private constructor(
    private readonly tf: TfjsModule,
    private readonly model: tfjs.LayersModel,
    private readonly kind: FitKind,
    private readonly options: AutologOptions,
    private readonly handle: AutologRun,
  ) {
    this.runId = handle.run.runId;
    this.client = handle.run.client;
    this.batchSizeLogged = kind === 'fit';
    const everyN = options.logEveryNSteps;
    const logBatches = everyN !== undefined && Number.isInteger(everyN) && everyN > 0;
    if (everyN !== undefined && !logBatches) this.warn(`logEveryNSteps must be a positive integer, not ${String(everyN)}; batch metrics are off`);
    this.batchEvents =
      logBatches || !this.batchSizeLogged
        ? { onBatchBegin: (b, l) => this.onBatchBegin(b, l), onBatchEnd: (b, l) => this.onBatchEnd(b, l, logBatches ? everyN : 0) }
        : null;
  }

  /**
   * Logs the params and starts writing model_summary.txt, and returns the call's arguments with
   * the autolog callback added to `callbacks` (a new args object: the caller's is not touched).
   */
  prepare(callArgs: readonly unknown[]): unknown[] {
    const at = this.kind === 'fit' ? 2 : 1;
    const args = (callArgs[at] ?? {}) as Record<string, unknown>;
    let callbacks: unknown[] | undefined;
    try {
      callbacks = callbacksWith(this.tf, args['callbacks'], args['yieldEvery'], autologCallback(this.tf, this));
      this.earlyStopping = findEarlyStopping(this.tf, callbacks);
    } catch (err) {
      this.warn(err);
    }
    this.guard(() => {
      const params = { ...fitArgParams(this.kind, args), ...modelParams(this.tf, this.model) };
      if (this.earlyStopping) Object.assign(params, earlyStoppingParams(this.earlyStopping));
      this.logParams(params);
    });
    this.guard(() => {
      const lines: string[] = [];
      this.model.summary(undefined, undefined, (line?: unknown) => lines.push(String(line ?? '')));
      this.pending.push(this.client.logText(this.runId, lines.join('\n'), 'model_summary.txt').catch((err: unknown) => this.warn(err)));
    });
    if (!callbacks) return [...callArgs];
    const out = [...callArgs];
    while (out.length < at) out.push(undefined);
    out[at] = { ...args, callbacks };
    return out;
  }

  setTrainingModel(model: unknown): void {
    this.trainingModel = model as { stopTraining?: boolean };
  }

  onTrainBegin(): void {
    this.batches = 0;
    this.stoppedEpoch = undefined;
  }

  onEpochBegin(): void {
    const wait = this.earlyStopping?.wait;
    this.earlyStoppingWait = typeof wait === 'number' ? wait : 0;
  }

  async onEpochEnd(epoch: number, logs: UnresolvedLogs | undefined): Promise<void> {
    try {
      const values = await readLogs(logs);
      const timestamp = Date.now();
      for (const [key, value] of values) this.metric(key, value, epoch, timestamp);
      this.noteEarlyStop(epoch);
    } catch (err) {
      this.warn(err);
    }
  }

  private onBatchBegin(_batch: number, logs: UnresolvedLogs | undefined): void {
    if (this.batchSizeLogged) return;
    this.batchSizeLogged = true;
    const size = logs?.['size'];
    if (typeof size === 'number') this.guard(() => this.logParams({ batch_size: pyStr(size) }));
  }

  private async onBatchEnd(_batch: number, logs: UnresolvedLogs | undefined, everyN: number): Promise<void> {
    if (everyN === 0) return;
    this.batches++;
    if (this.batches % everyN !== 0) return;
    try {
      const values = await readLogs(logs);
      const timestamp = Date.now();
      for (const [key, value] of values) this.metric(`batch_${key}`, value, this.batches, timestamp);
    } catch (err) {
      this.warn(err);
    }
  }

  /**
   * Ends the fit's logging: `stopped_epoch` when EarlyStopping stopped training, model_summary.txt,
   * and (FINISHED fits, logModels) the trained model — all awaited — then ends the run if autolog
   * started it (`status`: FAILED when the fit threw). Never throws.
   */
  async finish(status: RunStatus, fitArgs: readonly unknown[]): Promise<void> {
    if (this.stoppedEpoch !== undefined) this.guard(() => this.metric('stopped_epoch', this.stoppedEpoch!, 0, Date.now()));
    await Promise.all(this.pending);
    if (status === 'FINISHED' && this.options.logModels !== false) {
      try {
        await this.logTrainedModel(fitArgs);
      } catch (err) {
        this.warn(err);
      }
    }
    try {
      await finishAutologRun(this.handle, status);
    } catch (err) {
      this.warn(err);
    }
  }

  private async logTrainedModel(fitArgs: readonly unknown[]): Promise<void> {
    let inputExample: unknown;
    if (this.options.logInputExamples) {
      try {
        const names = tensorNames(this.model).inputNames;
        inputExample = this.kind === 'fit' ? firstRows(fitArgs[0], names) : await firstDatasetRows(fitArgs[0], names);
      } catch (err) {
        this.warn(err);
      }
    }
    await logModel(this.model, {
      name: 'model',
      runId: this.runId,
      client: this.client,
      flavor: this.options.logModelSignatures === false ? withoutSignature(tfjsFlavor) : tfjsFlavor,
      flavorOptions: { tf: this.tf },
      inputExample,
      registeredModelName: this.options.registeredModelName,
    });
  }

  /**
   * TF.js's EarlyStopping counts non-improving epochs in `wait` and stops training when it reaches
   * `patience`: it stopped training at this epoch if it just counted one and the model is stopping.
   */
  private noteEarlyStop(epoch: number): void {
    const es = this.earlyStopping;
    if (!es || this.trainingModel?.stopTraining !== true) return;
    const wait = es.wait;
    const patience = typeof es.patience === 'number' ? es.patience : 0;
    if (typeof wait === 'number' && wait === this.earlyStoppingWait + 1 && wait >= patience) this.stoppedEpoch = epoch;
  }

  private metric(key: string, value: number, step: number, timestamp: number): void {
    try {
      this.client.logMetric(this.runId, key, value, { step, timestamp });
    } catch (err) {
      this.warn(err);
    }
  }

  /**
   * Logs params one by one: a run the user reuses for several fits keeps the first fit's values,
   * and the params that differ are named in one warning instead of failing the rest.
   */
  private logParams(params: Record<string, string>): void {
    const refused: string[] = [];
    for (const [key, value] of Object.entries(params)) {
      try {
        this.client.logParam(this.runId, key, value);
      } catch {
        refused.push(key);
      }
    }
    if (refused.length > 0) {
      this.warn(`params not logged, run ${this.runId} already has other values for them: ${refused.join(', ')}`);
    }
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.warn(err);
    }
  }

  private warn(err: unknown): void {
    warnOnce(PLUGIN_NAME, err, this.options.silent);
  }
}

/** The tfjs flavor without its inferred signature, for logModelSignatures: false. */
function withoutSignature(flavor: Flavor): Flavor {
  return {
    ...flavor,
    save: async (model, dir, opts) => ({ ...(await flavor.save(model, dir, { ...opts, signature: undefined })), signature: undefined }),
  };
}
