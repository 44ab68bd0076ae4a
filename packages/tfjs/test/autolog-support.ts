// Shared helpers for the autolog tests: a local store in a temp dir, a small compiled model, the
// runs a test made, and captured warnings.
import { after, afterEach, before } from 'node:test';
import { getClient, searchRuns, setTrackingUri, shutdown, type Run } from '@runlog/core';
import { tfjsAutologPlugin } from '../src/index.js';
import { removeDir, tempDir, tf } from './fixtures.js';

export { tf };

/** Points the fluent API at a fresh ./mlruns-style store in a temp dir; `close()` removes it. */
export async function tempTracking(): Promise<{ dir: string; close(): Promise<void> }> {
  const dir = await tempDir('runlog-tfjs-autolog-');
  setTrackingUri(dir);
  return {
    dir,
    async close() {
      await shutdown();
      setTrackingUri(undefined);
      await removeDir(dir);
    },
  };
}

/**
 * For a describe() block: a temp tracking store for the whole block, and the plugin disabled after
 * each test. Returns the store's directory (valid once `before` ran).
 */
export function trackingPerSuite(): { readonly dir: string } {
  let tracking: Awaited<ReturnType<typeof tempTracking>> | undefined;
  before(async () => {
    tracking = await tempTracking();
  });
  afterEach(async () => {
    await tfjsAutologPlugin.disable();
  });
  after(async () => {
    await tracking?.close();
  });
  return {
    get dir() {
      return tracking!.dir;
    },
  };
}

/** A compiled dense regressor 4 → 8 → 1 with a metric, seeded. */
export function compiledModel(opts: { sequential?: boolean } = {}): tf.LayersModel {
  let model: tf.LayersModel;
  const hidden = { units: 8, activation: 'relu' as const, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), name: 'hidden' };
  const out = { units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }), name: 'out' };
  if (opts.sequential === false) {
    const input = tf.input({ shape: [4], name: 'features' });
    const h = tf.layers.dense(hidden).apply(input) as tf.SymbolicTensor;
    model = tf.model({ inputs: input, outputs: tf.layers.dense(out).apply(h) as tf.SymbolicTensor });
  } else {
    model = tf.sequential({ layers: [tf.layers.dense({ ...hidden, inputShape: [4] }), tf.layers.dense(out)] });
  }
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError', metrics: ['mse'] });
  return model;
}

/** y = 2·x0 − x1 + 0.5·x2 + 1 on seeded rows. */
export function data(rows = 40): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = tf.randomUniform([rows, 4], -1, 1, 'float32', 11) as tf.Tensor2D;
    const ys = xs.matMul(tf.tensor2d([[2], [-1], [0.5], [0]])).add(1) as tf.Tensor2D;
    return { xs, ys };
  });
}

/** Every run of the default experiment, newest first. */
export async function allRuns(): Promise<Run[]> {
  await getClient().flush(10_000);
  const { items } = await searchRuns({ experimentIds: ['0'], orderBy: ['attributes.start_time DESC'] });
  return items;
}

/** The runs created since `before` (a list of run ids). */
export async function newRuns(before: readonly string[]): Promise<Run[]> {
  return (await allRuns()).filter((r) => !before.includes(r.info.runId));
}

export async function runIds(): Promise<string[]> {
  return (await allRuns()).map((r) => r.info.runId);
}

/** Collects what is written to stderr while `fn` runs (runlog's warnings go there). */
export async function captureStderr<T>(fn: () => Promise<T>): Promise<{ result: T; stderr: string }> {
  const original = process.stderr.write;
  let text = '';
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    text += String(chunk);
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stderr.write;
  try {
    const result = await fn();
    return { result, stderr: text };
  } finally {
    process.stderr.write = original;
  }
}
