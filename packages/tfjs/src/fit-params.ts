import type * as tfjs from '@tensorflow/tfjs';
import { pyFloatRepr } from '@runlog/models/internal';
import type { TfjsModule } from './resolve-tfjs.js';

/**
 * The params TF.js autologging records at the start of a fit, with MLflow's names (those of
 * `mlflow.tensorflow.autolog`) where MLflow has one, and TF.js's own otherwise, in snake_case.
 *
 * Values are stringified the way MLflow's `str()` does, so a run logged from Node and one logged by
 * Python's autolog compare equal in MLflow's UI and in `params.x = '...'` filters:
 * - absent (null/undefined) → `None`; booleans → `True` / `False`;
 * - integers → `32`; fractional numbers → Python's float repr (`0.2`, `1e-07`); params Keras types
 *   as floats (`validation_split`, `min_delta`, `baseline`) always as floats (`0.0`);
 * - strings as they are; lists and objects (`class_weight`, `metrics`, a non-string `loss`) → JSON.
 */

/** Which training entry point is being autologged. */
export type FitKind = 'fit' | 'fitDataset';

/** A param value as MLflow's `str()` renders the corresponding Python value. */
export function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : pyFloatRepr(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function') return value.name || 'function';
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'function' ? v.name || 'function' : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A float-typed param: always with a decimal point, as Python prints a float. */
export function pyFloatStr(value: unknown): string {
  return typeof value === 'number' ? pyFloatRepr(value) : pyStr(value);
}

/** `learningRate` → `learning_rate`, `beta1` → `beta_1`: TF.js config keys in the snake_case Keras uses. */
export function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Za-z])(\d+)$/, '$1_$2')
    .toLowerCase();
}

type Args = Record<string, unknown>;

/**
 * The fit's own arguments, TF.js's defaults filled in (MLflow logs defaults too). `x`, `y`,
 * `callbacks`, `validationData`, `verbose` and `sampleWeight` are left out, as MLflow leaves them out.
 * For fitDataset, `batch_size` is not known up front: it is logged from the first batch.
 */
export function fitArgParams(kind: FitKind, args: Args | undefined): Record<string, string> {
  const a = args ?? {};
  if (kind === 'fit') {
    return {
      epochs: pyStr(a['epochs'] ?? 1),
      batch_size: pyStr(a['batchSize'] ?? 32),
      validation_split: pyFloatStr(a['validationSplit'] ?? 0),
      shuffle: pyStr(a['shuffle'] ?? true),
      class_weight: pyStr(a['classWeight']),
      initial_epoch: pyStr(a['initialEpoch'] ?? 0),
      steps_per_epoch: pyStr(a['stepsPerEpoch']),
      validation_steps: pyStr(a['validationSteps']),
    };
  }
  return {
    epochs: pyStr(a['epochs']),
    batches_per_epoch: pyStr(a['batchesPerEpoch']),
    initial_epoch: pyStr(a['initialEpoch'] ?? 0),
    validation_steps: pyStr(a['validationBatches']),
    validation_batch_size: pyStr(a['validationBatchSize'] ?? (a['validationData'] == null ? undefined : 32)),
    class_weight: pyStr(a['classWeight']),
  };
}

interface CompiledModel {
  optimizer?: { getClassName?: () => string; getConfig?: () => Record<string, unknown> } | null;
  loss?: unknown;
  metricsNames?: string[];
  outputs?: unknown[];
  layers?: unknown[];
  trainableWeights?: Array<{ shape: Array<number | null> }>;
  countParams?: () => number;
}

/**
 * What the model brings: optimizer (`optimizer_name`, `opt_<key>` for every `getConfig()` entry),
 * `loss`, `metrics` (the compiled metric names), `layer_count`, `total_params`, `trainable_params`,
 * and where it runs (`tfjs_backend`, `tfjs_version`). A piece that cannot be read is left out.
 */
export function modelParams(tf: TfjsModule, model: tfjs.LayersModel): Record<string, string> {
  const m = model as unknown as CompiledModel;
  const out: Record<string, string> = {};
  const put = (fill: () => void) => {
    try {
      fill();
    } catch {
      // a model that is not compiled or built yet: fit() itself will say so
    }
  };
  put(() => {
    const opt = m.optimizer;
    if (!opt) return;
    if (typeof opt.getClassName === 'function') out['optimizer_name'] = opt.getClassName();
    const config = typeof opt.getConfig === 'function' ? opt.getConfig() : {};
    for (const [k, v] of Object.entries(config)) out[`opt_${snakeCase(k)}`] = pyStr(v);
  });
  put(() => {
    if (m.loss !== undefined) out['loss'] = lossName(m.loss);
  });
  put(() => {
    const names = m.metricsNames ?? [];
    const outputs = m.outputs?.length ?? 1;
    // metricsNames = ['loss', (per-output '<name>_loss' when there are several outputs), ...metrics]
    out['metrics'] = pyStr(names.slice(1 + (outputs > 1 ? outputs : 0)));
  });
  put(() => {
    out['layer_count'] = pyStr(m.layers?.length ?? 0);
  });
  put(() => {
    if (typeof m.countParams === 'function') out['total_params'] = pyStr(m.countParams());
  });
  put(() => {
    const weights = m.trainableWeights ?? [];
    out['trainable_params'] = pyStr(weights.reduce((n, w) => n + w.shape.reduce<number>((p, d) => p * (d ?? 0), 1), 0));
  });
  put(() => {
    out['tfjs_backend'] = pyStr(tf.getBackend());
  });
  put(() => {
    const v = (tf.version ?? {}) as Record<string, string | undefined>;
    out['tfjs_version'] = pyStr(v['tfjs'] ?? v['tfjs-layers'] ?? v['tfjs-core']);
  });
  return out;
}

function lossName(loss: unknown): string {
  if (typeof loss === 'string') return loss;
  if (typeof loss === 'function') return loss.name || 'function';
  return pyStr(loss);
}

/** The fields of tf.callbacks.earlyStopping that describe it (TF.js stores minDelta negated in 'min' mode). */
export interface EarlyStoppingLike {
  monitor?: unknown;
  minDelta?: unknown;
  patience?: unknown;
  baseline?: unknown;
  mode?: unknown;
  wait?: unknown;
  stoppedEpoch?: unknown;
}

/** `monitor`, `min_delta`, `patience`, `baseline`, `mode` of an EarlyStopping callback, as MLflow logs them. */
export function earlyStoppingParams(es: EarlyStoppingLike): Record<string, string> {
  return {
    monitor: pyStr(es.monitor),
    min_delta: pyFloatStr(typeof es.minDelta === 'number' ? Math.abs(es.minDelta) : es.minDelta),
    patience: pyStr(es.patience),
    baseline: typeof es.baseline === 'number' ? pyFloatStr(es.baseline) : pyStr(es.baseline),
    mode: pyStr(es.mode),
  };
}
