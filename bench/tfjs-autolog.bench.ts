/**
 * Issue #4 benchmark: what TF.js autologging adds to training. The same 20-epoch fit of a small
 * dense model on the CPU backend, timed with and without autolog in alternating repetitions
 * (so drift favours neither side), medians of the per-pair ratios. Logging goes to a local
 * ./mlruns store in a temp dir. Two settings: epoch-level logging alone (the run, params,
 * per-epoch metrics, the summary; target < 1% added) and the default, which also saves and logs
 * the trained model. A/B timings of ~2 s fits swing by a few percent on a shared machine, so
 * autolog's own work is also measured directly on one-batch fits (a fixed cost per fit and a cost
 * per epoch) and expressed as a share of the 20-epoch fit: the figure the target is checked on.
 * BENCH_TFJS_REPS sets the number of pairs (default 9).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setTrackingUri, shutdown, type AutologOptions } from '@runlog/core';
import { tfjsAutologPlugin } from '@runlog/tfjs';
import { line, median } from './stats.js';

const ROWS = 2048;
const FEATURES = 16;
const EPOCHS = 20;
const BATCH = 64;

function buildModel(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, activation: 'relu', inputShape: [FEATURES], kernelInitializer: init(1) }),
      tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 1, kernelInitializer: init(3) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mae'] });
  return model;
}

interface FitTime {
  wallMs: number;
  /** CPU time of this process (user + system): steadier than wall time on a shared machine. */
  cpuMs: number;
}

/** One fit of a fresh model, with autolog enabled with `autolog`, or off (null). */
async function timedFit(xs: tf.Tensor, ys: tf.Tensor, autolog: AutologOptions | null, epochs = EPOCHS): Promise<FitTime> {
  const model = buildModel();
  if (autolog) tfjsAutologPlugin.enable(autolog);
  try {
    const cpu = process.cpuUsage();
    const t = process.hrtime.bigint();
    await model.fit(xs, ys, { epochs, batchSize: BATCH, validationSplit: 0.1, shuffle: false, verbose: 0 });
    const wallMs = Number(process.hrtime.bigint() - t) / 1e6;
    const used = process.cpuUsage(cpu);
    return { wallMs, cpuMs: (used.user + used.system) / 1000 };
  } finally {
    if (autolog) await tfjsAutologPlugin.disable();
    model.optimizer.dispose();
    model.dispose();
  }
}

/**
 * What autolog adds, measured where noise is small: fits of a tiny dataset (one batch per epoch),
 * so the difference on − off is autolog's own work. `fixedMs`: a 1-epoch fit (run start and end,
 * params, summary); `perEpochMs`: the slope between 1 and 21 epochs.
 */
async function decompose(reps: number): Promise<{ fixedMs: number; perEpochMs: number }> {
  const [xs, ys] = tf.tidy(() => {
    const x = tf.randomUniform([BATCH, FEATURES], -1, 1, 'float32', 7);
    return [x, x.sum(1, true)];
  });
  const diff = async (epochs: number) => {
    const d: number[] = [];
    for (let i = 0; i < reps; i++) {
      const off = await timedFit(xs!, ys!, null, epochs);
      const on = await timedFit(xs!, ys!, { logModels: false }, epochs);
      d.push(on.wallMs - off.wallMs);
    }
    return median(d);
  };
  try {
    await diff(1);
    const one = await diff(1);
    const many = await diff(21);
    return { fixedMs: one, perEpochMs: (many - one) / 20 };
  } finally {
    tf.dispose([xs!, ys!]);
  }
}

interface Comparison {
  off: FitTime;
  on: FitTime;
  /** Median of the per-pair ratios on/off: each pair ran back to back, so slow drift cancels. */
  wallRatio: number;
  cpuRatio: number;
}

/** Medians without and with autolog over `reps` alternating pairs, after one warm-up of each. */
async function compare(xs: tf.Tensor, ys: tf.Tensor, autolog: AutologOptions, reps: number): Promise<Comparison> {
  await timedFit(xs, ys, null);
  await timedFit(xs, ys, autolog);
  const off: FitTime[] = [];
  const on: FitTime[] = [];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      off.push(await timedFit(xs, ys, null));
      on.push(await timedFit(xs, ys, autolog));
    } else {
      on.push(await timedFit(xs, ys, autolog));
      off.push(await timedFit(xs, ys, null));
    }
  }
  const med = (xs: FitTime[]): FitTime => ({ wallMs: median(xs.map((x) => x.wallMs)), cpuMs: median(xs.map((x) => x.cpuMs)) });
  return {
    off: med(off),
    on: med(on),
    wallRatio: median(on.map((t, i) => t.wallMs / off[i]!.wallMs)),
    cpuRatio: median(on.map((t, i) => t.cpuMs / off[i]!.cpuMs)),
  };
}

export async function tfjsAutologBench(opts: { reps?: number } = {}): Promise<Record<string, number>> {
  const reps = opts.reps ?? Number(process.env.BENCH_TFJS_REPS ?? 9);
  console.log(`\n== TF.js autolog overhead (issue #4) ==`);
  tf.env().set('PROD', true);
  await tf.setBackend('cpu');
  const dir = await mkdtemp(join(tmpdir(), 'runlog-bench-tfjs-'));
  setTrackingUri(dir);
  const [xs, ys] = tf.tidy(() => {
    const x = tf.randomUniform([ROWS, FEATURES], -1, 1, 'float32', 5);
    const y = x.matMul(tf.randomUniform([FEATURES, 1], -1, 1, 'float32', 6)).add(0.5);
    return [x, y];
  });
  const figures: Record<string, number> = {};
  try {
    const epochLevel = await compare(xs!, ys!, { logModels: false }, reps);
    const withModel = await compare(xs!, ys!, {}, reps);
    const parts = await decompose(Math.max(15, reps * 2));
    figures.fitMs = epochLevel.off.wallMs;
    figures.fitAutologEpochMs = epochLevel.on.wallMs;
    figures.epochOverhead = epochLevel.wallRatio;
    figures.epochOverheadCpu = epochLevel.cpuRatio;
    figures.fitAutologModelMs = withModel.on.wallMs;
    figures.modelOverhead = withModel.wallRatio;
    figures.modelOverheadCpu = withModel.cpuRatio;
    const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(2)}%`;
    console.log(`  ${EPOCHS} epochs, ${ROWS}x${FEATURES} rows, dense 32-16-1, batch ${BATCH}, cpu backend; medians of ${reps} alternating pairs`);
    line('fit without autolog', `${epochLevel.off.wallMs.toFixed(0)} ms`, `(cpu ${epochLevel.off.cpuMs.toFixed(0)} ms)`);
    line('fit with autolog, epoch-level (logModels: false)', `${epochLevel.on.wallMs.toFixed(0)} ms`, `(cpu ${epochLevel.on.cpuMs.toFixed(0)} ms)`);
    line('fit with autolog, default (also logs the model)', `${withModel.on.wallMs.toFixed(0)} ms`, `(without, same pairs: ${withModel.off.wallMs.toFixed(0)} ms)`);
    console.log('  added by autolog, A/B (median of per-pair ratios; swings by a few % on a busy machine):');
    line('epoch-level, wall time', pct(figures.epochOverhead));
    line('epoch-level, cpu time', pct(figures.epochOverheadCpu));
    line('with the model logged, wall time', pct(figures.modelOverhead));
    line('with the model logged, cpu time', pct(figures.modelOverheadCpu));
    figures.fixedMs = parts.fixedMs;
    figures.perEpochMs = parts.perEpochMs;
    figures.epochOverheadEstimate = (parts.fixedMs + EPOCHS * parts.perEpochMs) / epochLevel.off.wallMs + 1;
    console.log('  autolog\'s own work, measured on one-batch fits where noise is small (median on − off):');
    line('per fit: run start/end, params, summary', `${parts.fixedMs.toFixed(2)} ms`);
    line('per epoch: metrics', `${(parts.perEpochMs * 1000).toFixed(0)} µs`);
    line(`→ epoch-level share of the ${EPOCHS}-epoch fit above`, pct(figures.epochOverheadEstimate), '(target < +1%)');
  } finally {
    tf.dispose([xs!, ys!]);
    await shutdown();
    setTrackingUri(undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return figures;
}
