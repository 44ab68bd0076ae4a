/**
 * ONNX benchmarks on the tiny linear fixture (x [N,4] → y [N,3], one row per call):
 * - issue #4: `session.run` autologged vs bare, target < 2% overhead on a ~16 µs inference;
 * - issue #3: `loadModel` vs a bare `InferenceSession.create`, and `predict` / `predictTensors`
 *   (signature enforcement + conversion) vs a bare `session.run`, target < 10%.
 * Bare and measured blocks alternate (the order rotates every repetition) and each figure is the
 * median of per-repetition ratios, so drift in the machine's speed cancels out.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTrackingUri, shutdown } from '@runlog/core';
import { loadModel, saveModel } from '@runlog/models';
import { onnxAutologPlugin, registerOnnxFlavor } from '@runlog/onnx';
import * as ort from 'onnxruntime-node';
import { line, median } from './stats.js';

const LINEAR = fileURLToPath(new URL('../test/fixtures/onnx-linear.onnx', import.meta.url));
const REPS = Number(process.env.BENCH_ONNX_REPS ?? 200);
/** Short blocks, many repetitions: drift (another process, CPU frequency) hits both sides of a pair alike. */
const CALLS_PER_BLOCK = 500;
/** One thread per session: a tiny model gains nothing from more, and thread hand-offs only add noise. */
const SESSION_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1 };
const WARMUP_REPS = 3;

type Block = () => Promise<number>;

/** µs per call of `n` sequential awaited calls. */
function block(call: () => Promise<unknown>, n = CALLS_PER_BLOCK): Block {
  return async () => {
    const t = performance.now();
    for (let i = 0; i < n; i++) await call();
    return ((performance.now() - t) * 1000) / n;
  };
}

/**
 * Runs the blocks in rotating order, REPS times; returns each block's median µs/call and the
 * median ratio of each block to the first (the bare baseline) within the same repetition.
 */
async function alternate(blocks: Block[]): Promise<{ us: number[]; ratio: number[] }> {
  const times: number[][] = blocks.map(() => []);
  const ratios: number[][] = blocks.map(() => []);
  for (let rep = 0; rep < REPS + WARMUP_REPS; rep++) {
    const t: number[] = new Array<number>(blocks.length);
    for (let k = 0; k < blocks.length; k++) {
      const i = (k + rep) % blocks.length;
      t[i] = await blocks[i]!();
    }
    if (rep < WARMUP_REPS) continue;
    for (let i = 0; i < blocks.length; i++) {
      times[i]!.push(t[i]!);
      ratios[i]!.push(t[i]! / t[0]!);
    }
  }
  return { us: times.map(median), ratio: ratios.map(median) };
}

const pct = (ratio: number): string => `${((ratio - 1) * 100).toFixed(2)} %`;

export async function onnxAutologBench(): Promise<Record<string, number>> {
  console.log('\n== ONNX autolog (issue #4) ==');
  const dir = await mkdtemp(join(tmpdir(), 'runlog-bench-onnx-'));
  setTrackingUri(dir);
  const feeds = { x: new ort.Tensor('float32', Float32Array.from([5.1, 3.5, 1.4, 0.2]), [1, 4]) };
  // The baseline runs the same native session through the prototype's run, bypassing the
  // instance wrapper: two sessions of one model can differ in speed by more than 2% by themselves.
  const bareRun = (ort.InferenceSession as unknown as { prototype: ort.InferenceSession }).prototype.run as (this: ort.InferenceSession, f: typeof feeds) => Promise<unknown>;
  onnxAutologPlugin.enable({ silent: true }, {}); // defaults: a window every 10,000 calls or 10 s
  const logged = await ort.InferenceSession.create(LINEAR, SESSION_OPTIONS);
  // A first window that never closes: every call is timed (the first window is not sampled) and nothing is logged.
  onnxAutologPlugin.enable({ silent: true }, { logEveryNCalls: 1e9, logEveryMs: 1e6 });
  const everyCallTimed = await ort.InferenceSession.create(LINEAR, SESSION_OPTIONS);
  try {
    const { us, ratio } = await alternate([
      block(() => bareRun.call(logged, feeds)),
      block(() => logged.run(feeds)),
      block(() => bareRun.call(logged, feeds)), // the same as the baseline: the noise floor
    ]);
    const timed = await alternate([block(() => bareRun.call(everyCallTimed, feeds)), block(() => everyCallTimed.run(feeds))]);
    const figures = {
      onnxBareRunUs: us[0]!,
      onnxAutologRunUs: us[1]!,
      onnxAutologOverheadPct: (ratio[1]! - 1) * 100,
      onnxBareVsBarePct: (ratio[2]! - 1) * 100,
      onnxAutologEveryCallTimedOverheadPct: (timed.ratio[1]! - 1) * 100,
    };
    line('bare session.run, tiny linear model (median µs/call)', `${us[0]!.toFixed(2)} µs`);
    line('autologged session.run (median µs/call)', `${us[1]!.toFixed(2)} µs`);
    line('autolog overhead over bare run (median of paired ratios)', pct(ratio[1]!), '(target < 2 %)');
    line('  noise floor: bare vs the same bare run', pct(ratio[2]!));
    line('  for scale: the cost if every call were timed', pct(timed.ratio[1]!), '(why fast calls are sampled)');
    return figures;
  } finally {
    await Promise.all([logged.release(), everyCallTimed.release()]);
    await onnxAutologPlugin.disable();
    await shutdown();
    setTrackingUri(undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

export async function onnxModelBench(): Promise<Record<string, number>> {
  console.log('\n== ONNX flavor: loadModel and predict (issue #3) ==');
  registerOnnxFlavor();
  const dir = await mkdtemp(join(tmpdir(), 'runlog-bench-onnx-model-'));
  try {
    const modelDir = join(dir, 'model');
    await saveModel(LINEAR, modelDir);

    // Load time: loadModel (MLmodel parse, flavor, session options, signature compile) vs create alone.
    const loads: number[] = [];
    const creates: number[] = [];
    for (let rep = 0; rep < 30; rep++) {
      let t = performance.now();
      const m = await loadModel(modelDir);
      loads.push(performance.now() - t);
      await m.dispose();
      t = performance.now();
      const s = await ort.InferenceSession.create(join(modelDir, 'model.onnx'));
      creates.push(performance.now() - t);
      await s.release();
    }
    const figures: Record<string, number> = { onnxLoadModelMs: median(loads.slice(3)), onnxBareCreateMs: median(creates.slice(3)) };
    line('loadModel (median ms)', `${figures.onnxLoadModelMs!.toFixed(2)} ms`);
    line('bare InferenceSession.create of the same file (median ms)', `${figures.onnxBareCreateMs!.toFixed(2)} ms`);

    // Per-call overhead: enforcement and conversion around the same session's run.
    const model = await loadModel(modelDir, { flavorOptions: { sessionOptions: SESSION_OPTIONS } });
    const session = model.raw as ort.InferenceSession;
    try {
      const row = [5.1, 3.5, 1.4, 0.2];
      const tensor = new ort.Tensor('float32', Float32Array.from(row), [1, 4]);
      const typed = { dtype: 'float32' as const, dims: [1, 4], data: Float32Array.from(row) };
      const { us, ratio } = await alternate([
        block(() => session.run({ x: tensor })),
        block(() => model.predictTensors({ x: typed })),
        block(() => model.predict({ x: [row] })),
        block(async () => await session.run({ x: tensor })), // for scale: one more promise layer, nothing else
      ]);
      Object.assign(figures, {
        onnxPredictTensorsOverheadPct: (ratio[1]! - 1) * 100,
        onnxPredictOverheadPct: (ratio[2]! - 1) * 100,
        onnxPredictTensorsOverheadUs: us[1]! - us[0]!,
        onnxPredictOverheadUs: us[2]! - us[0]!,
        onnxAsyncLayerOverheadPct: (ratio[3]! - 1) * 100,
      });
      line('bare session.run (median µs/call)', `${us[0]!.toFixed(2)} µs`);
      line('predictTensors, typed-array input (overhead over bare run)', pct(ratio[1]!), `(${(us[1]! - us[0]!).toFixed(2)} µs; target < 10 %)`);
      line('predict, nested arrays in and out (overhead over bare run)', pct(ratio[2]!), `(${(us[2]! - us[0]!).toFixed(2)} µs; target < 10 %)`);
      line('  for scale: one async wrapper around the bare run', pct(ratio[3]!), `(${(us[3]! - us[0]!).toFixed(2)} µs)`);
    } finally {
      await model.dispose();
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
