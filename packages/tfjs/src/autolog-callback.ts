import type * as tfjs from '@tensorflow/tfjs';
import type { EarlyStoppingLike } from './fit-params.js';
import type { TfjsModule } from './resolve-tfjs.js';

/** Training logs as TF.js hands them to callbacks: numbers, or scalar tensors not yet read. */
export type UnresolvedLogs = Record<string, number | tfjs.Scalar>;

/** What the autolog callback forwards: one fit's recorder. */
export interface FitEvents {
  onTrainBegin(): void;
  onEpochBegin(epoch: number): void;
  onEpochEnd(epoch: number, logs: UnresolvedLogs | undefined): Promise<void>;
  /** Null when the recorder needs no per-batch events (the common case: no cost per batch). */
  readonly batchEvents: {
    onBatchBegin(batch: number, logs: UnresolvedLogs | undefined): void;
    onBatchEnd(batch: number, logs: UnresolvedLogs | undefined): Promise<void>;
  } | null;
  /** The model TF.js trains (for a Sequential, its inner LayersModel), set before training starts. */
  setTrainingModel(model: unknown): void;
}

/** TF.js's BaseCallback, as far as we use it. */
type BaseCallbackCtor = abstract new () => object;
type AutologCallbackCtor = new (events: FitEvents) => object;

const classes = new WeakMap<object, AutologCallbackCtor>();

/**
 * The callback autolog adds to a fit: a subclass of this TF.js copy's BaseCallback (so TF.js takes
 * the list as callback objects), forwarding to the fit's recorder. One class per TF.js copy.
 */
export function autologCallback(tf: TfjsModule, events: FitEvents): object {
  let Ctor = classes.get(tf.Callback);
  if (!Ctor) {
    const Base = Object.getPrototypeOf(tf.Callback) as BaseCallbackCtor;
    class RunlogAutologCallback extends Base {
      constructor(private readonly events: FitEvents) {
        super();
      }
      setModel(model: unknown): void {
        this.events.setTrainingModel(model);
      }
      async onTrainBegin(): Promise<void> {
        this.events.onTrainBegin();
      }
      async onEpochBegin(epoch: number): Promise<void> {
        this.events.onEpochBegin(epoch);
      }
      async onEpochEnd(epoch: number, logs?: UnresolvedLogs): Promise<void> {
        await this.events.onEpochEnd(epoch, logs);
      }
      async onBatchBegin(batch: number, logs?: UnresolvedLogs): Promise<void> {
        this.events.batchEvents?.onBatchBegin(batch, logs);
      }
      async onBatchEnd(batch: number, logs?: UnresolvedLogs): Promise<void> {
        if (this.events.batchEvents) await this.events.batchEvents.onBatchEnd(batch, logs);
      }
    }
    Ctor = RunlogAutologCallback;
    classes.set(tf.Callback, Ctor);
  }
  return new Ctor(events);
}

/**
 * The fit's callbacks with `ours` appended, standardized exactly as TF.js's `standardizeCallbacks`
 * would have done without it: callback objects stay as they are; plain `{ onEpochEnd, ... }`
 * configs (and no callbacks at all, which TF.js treats as `{}`) become `CustomCallback`s with the
 * fit's `yieldEvery`, so the event-loop yielding TF.js does during training is unchanged.
 */
export function callbacksWith(tf: TfjsModule, user: unknown, yieldEvery: unknown, ours: object): unknown[] {
  const Base = Object.getPrototypeOf(tf.Callback) as BaseCallbackCtor;
  if (user instanceof Base) return [user, ours];
  if (Array.isArray(user) && user[0] instanceof Base) return [...(user as unknown[]), ours];
  const configs = user == null ? [{}] : Array.isArray(user) ? user : [user];
  const Custom = tf.CustomCallback as unknown as new (args: unknown, yieldEvery?: unknown) => object;
  return [...configs.map((c) => new Custom(c, yieldEvery)), ours];
}

/** The callbacks of a fit as a list of objects (what TF.js will call), to find an EarlyStopping among them. */
export function findEarlyStopping(tf: TfjsModule, callbacks: readonly unknown[]): EarlyStoppingLike | undefined {
  for (const cb of callbacks) {
    if (cb instanceof tf.EarlyStopping) return cb as unknown as EarlyStoppingLike;
    const c = cb as { constructor?: { name?: string } } | null;
    if (c && c.constructor?.name === 'EarlyStopping' && 'monitor' in c && 'patience' in c) return c as EarlyStoppingLike;
  }
  return undefined;
}

/**
 * The numeric values of training logs, reading scalar tensors without disposing or replacing
 * them (TF.js's History reads and disposes them later). `batch` and `size` are bookkeeping, not metrics.
 */
export async function readLogs(logs: UnresolvedLogs | undefined): Promise<Array<[string, number]>> {
  const out: Array<[string, number]> = [];
  if (!logs) return out;
  for (const key of Object.keys(logs)) {
    if (key === 'batch' || key === 'size') continue;
    const v = logs[key];
    if (typeof v === 'number') out.push([key, v]);
    else if (v && typeof v.data === 'function' && !v.isDisposed) out.push([key, Number((await v.data())[0])]);
  }
  return out;
}
