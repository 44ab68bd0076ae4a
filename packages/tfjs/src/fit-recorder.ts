import type * as tfjs from '@tensorflow/tfjs';
import { type AutologOptions, type DatasetInputSpec, type RunStatus } from '@runlog/core';
import { beginAutologRun, finishAutologRun, warnOnce, type AutologRun } from '@runlog/core/internal';
import { logModel, type Flavor } from '@runlog/models';
import { autologCallback, callbacksWith, findEarlyStopping, readLogs, type FitEvents, type UnresolvedLogs } from './autolog-callback.js';
import { earlyStoppingParams, fitArgParams, modelParams, pyStr, type EarlyStoppingLike, type FitKind } from './fit-params.js';
import { fitDatasetInputs, fitInputs } from './fit-datasets.js';
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
  /** The run, once it exists; until then events wait for `ready`. */
  private handle: AutologRun | null = null;
  private readonly ready: Promise<AutologRun | null>;
  private earlyStopping: EarlyStoppingLike | undefined;
  private earlyStoppingWait = 0;
  private stoppedEpoch: number | undefined;
  private trainingModel: { stopTraining?: boolean } | undefined;
  private batches = 0;
  private batchSizeLogged: boolean;
  private startup: { params: Record<string, string>; summary: string | undefined; inputs: DatasetInputSpec[] } | undefined;
  private readonly pending: Array<Promise<void>> = [];

  /**
   * Starts (or joins) the run without waiting for it: training starts at once and the run is
   * created alongside (a store round trip, a network one for a server); params and the summary are
   * logged when it exists, and the first metric waits for it. `exclusive` with a user run → no run,
   * and the recorder logs nothing.
   */
  constructor(
    private readonly tf: TfjsModule,
    private readonly model: tfjs.LayersModel,
    private readonly kind: FitKind,
    private readonly options: AutologOptions,
  ) {
    this.batchSizeLogged = kind === 'fit';
    const everyN = options.logEveryNSteps;
    const logBatches = everyN !== undefined && Number.isInteger(everyN) && everyN > 0;
    if (everyN !== undefined && !logBatches) this.warn(`logEveryNSteps must be a positive integer, not ${String(everyN)}; batch metrics are off`);
    this.batchEvents =
      logBatches || !this.batchSizeLogged
        ? { onBatchBegin: (b, l) => this.onBatchBegin(b, l), onBatchEnd: (b, l) => this.onBatchEnd(b, l, logBatches ? everyN : 0) }
        : null;
    this.ready = beginAutologRun(PLUGIN_NAME, options).then(
      (handle) => {
        this.handle = handle;
        if (handle) this.logStartup(handle);
        return handle;
      },
      (err: unknown) => {
        this.warn(err);
        return null;
      },
    );
  }

  /**
   * Reads the params and the model summary, and returns the call's arguments with the autolog
   * callback added to `callbacks` (a new args object: the caller's is not touched). Synchronous,
   * before training starts; what it read is logged as soon as the run exists.
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
    const params: Record<string, string> = {};
    this.guard(() => {
      Object.assign(params, fitArgParams(this.kind, args), modelParams(this.tf, this.model));
      if (this.earlyStopping) Object.assign(params, earlyStoppingParams(this.earlyStopping));
    });
    let summary: string | undefined;
    this.guard(() => {
      const lines: string[] = [];
      this.model.summary(undefined, undefined, (line?: unknown) => lines.push(String(line ?? '')));
      summary = lines.join('\n');
    });
    let inputs: DatasetInputSpec[] = [];
    if (this.kind === 'fit' && this.options.logDatasets !== false) {
      this.guard(() => {
        inputs = fitInputs(callArgs);
      });
    }
    this.startup = { params, summary, inputs };
    if (this.handle) this.logStartup(this.handle);
    if (!callbacks) return [...callArgs];
    const out = [...callArgs];
    while (out.length < at) out.push(undefined);
    out[at] = { ...args, callbacks };
    return out;
  }

  private logStartup(handle: AutologRun): void {
    const startup = this.startup;
    if (!startup) return;
    this.startup = undefined;
    this.logParams(handle, startup.params);
    this.logInputs(handle, startup.inputs);
    if (startup.summary !== undefined) {
      const { runId, client } = handle.run;
      this.pending.push(client.logText(runId, startup.summary, 'model_summary.txt').catch((err: unknown) => this.warn(err)));
    }
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
      const handle = this.handle ?? (await this.ready);
      if (!handle) return;
      const values = await readLogs(logs);
      const timestamp = Date.now();
      for (const [key, value] of values) this.metric(handle, key, value, epoch, timestamp);
      this.noteEarlyStop(epoch);
    } catch (err) {
      this.warn(err);
    }
  }

  private onBatchBegin(_batch: number, logs: UnresolvedLogs | undefined): void {
    if (this.batchSizeLogged) return;
    this.batchSizeLogged = true;
    const size = logs?.['size'];
    if (typeof size !== 'number') return;
    // Joins the startup params when the run does not exist yet.
    if (this.startup) this.startup.params['batch_size'] = pyStr(size);
    else void this.ready.then((handle) => handle && this.logParams(handle, { batch_size: pyStr(size) }));
  }

  private async onBatchEnd(_batch: number, logs: UnresolvedLogs | undefined, everyN: number): Promise<void> {
    if (everyN === 0) return;
    this.batches++;
    if (this.batches % everyN !== 0) return;
    try {
      const handle = this.handle ?? (await this.ready);
      if (!handle) return;
      const values = await readLogs(logs);
      const timestamp = Date.now();
      for (const [key, value] of values) this.metric(handle, `batch_${key}`, value, this.batches, timestamp);
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
    const handle = await this.ready;
    if (!handle) return;
    if (this.stoppedEpoch !== undefined) this.metric(handle, 'stopped_epoch', this.stoppedEpoch, 0, Date.now());
    // fitDataset's data is read once training is over, so that describing it never competes with it.
    if (this.kind === 'fitDataset' && this.options.logDatasets !== false) {
      try {
        this.logInputs(handle, await fitDatasetInputs(fitArgs));
      } catch (err) {
        this.warn(err);
      }
    }
    await Promise.all(this.pending);
    if (status === 'FINISHED' && this.options.logModels !== false) {
      try {
        await this.logTrainedModel(handle, fitArgs);
      } catch (err) {
        this.warn(err);
      }
    }
    try {
      await finishAutologRun(handle, status);
    } catch (err) {
      this.warn(err);
    }
  }

  private async logTrainedModel(handle: AutologRun, fitArgs: readonly unknown[]): Promise<void> {
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
      runId: handle.run.runId,
      client: handle.run.client,
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

  private metric(handle: AutologRun, key: string, value: number, step: number, timestamp: number): void {
    try {
      handle.run.client.logMetric(handle.run.runId, key, value, { step, timestamp });
    } catch (err) {
      this.warn(err);
    }
  }

  /**
   * Logs params one by one: a run the user reuses for several fits keeps the first fit's values,
   * and the params that differ are named in one warning instead of failing the rest.
   */
  private logParams(handle: AutologRun, params: Record<string, string>): void {
    const { runId, client } = handle.run;
    const refused: string[] = [];
    for (const [key, value] of Object.entries(params)) {
      try {
        client.logParam(runId, key, value);
      } catch {
        refused.push(key);
      }
    }
    if (refused.length > 0) {
      this.warn(`params not logged, run ${runId} already has other values for them: ${refused.join(', ')}`);
    }
  }

  private logInputs(handle: AutologRun, inputs: DatasetInputSpec[]): void {
    if (inputs.length === 0) return;
    const { runId, client } = handle.run;
    this.pending.push(client.logInputs(runId, inputs).catch((err: unknown) => this.warn(err)));
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
