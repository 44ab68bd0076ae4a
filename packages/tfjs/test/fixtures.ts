// Shared fixtures for the tfjs tests: small models trained for a few epochs on synthetic data with
// the pure-JS CPU backend, and temporary directories.
import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// PROD silences TF.js's "install tfjs-node" banner; it changes no numerics.
tf.env().set('PROD', true);

export { tf };

/** y = 2·x0 − x1 + 0.5·x2 + 1 on 64 seeded random rows of 4 features. */
export function syntheticData(rows = 64): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  return tf.tidy(() => {
    const xs = tf.randomUniform([rows, 4], -1, 1, 'float32', 7) as tf.Tensor2D;
    const w = tf.tensor2d([[2], [-1], [0.5], [0]]);
    const ys = xs.matMul(w).add(1) as tf.Tensor2D;
    return { xs, ys };
  });
}

/** A Sequential dense regressor (4 → 8 relu → 1), trained 3 epochs. */
export async function trainedSequential(): Promise<tf.Sequential> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError' });
  const { xs, ys } = syntheticData();
  await model.fit(xs, ys, { epochs: 3, batchSize: 16, verbose: 0, shuffle: false });
  xs.dispose();
  ys.dispose();
  return model;
}

/**
 * A functional model with two named inputs, `features` (float32, [-1, 3]) and `counts` (int32, [-1, 2]),
 * and two named outputs, `score` ([-1, 1]) and `probs` ([-1, 2], softmax). Trained 2 epochs.
 */
export async function trainedTwoInput(): Promise<tf.LayersModel> {
  const features = tf.input({ shape: [3], name: 'features' });
  const counts = tf.input({ shape: [2], name: 'counts', dtype: 'int32' });
  const joined = tf.layers.concatenate({ name: 'joined' }).apply([features, counts]) as tf.SymbolicTensor;
  const hidden = tf.layers.dense({ units: 4, activation: 'tanh', name: 'hidden' }).apply(joined) as tf.SymbolicTensor;
  const score = tf.layers.dense({ units: 1, name: 'score' }).apply(hidden) as tf.SymbolicTensor;
  const probs = tf.layers.dense({ units: 2, activation: 'softmax', name: 'probs' }).apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [features, counts], outputs: [score, probs] });
  model.compile({ optimizer: 'sgd', loss: ['meanSquaredError', 'categoricalCrossentropy'] });
  const rows = 32;
  const [xf, xc, ys, yp] = tf.tidy(() => {
    const xf = tf.randomUniform([rows, 3], -1, 1, 'float32', 3);
    const xc = tf.randomUniform([rows, 2], 0, 5, 'int32', 4);
    const ys = xf.sum(1, true).add(xc.toFloat().mean(1, true));
    const yp = tf.oneHot(xc.slice([0, 0], [rows, 1]).reshape([rows]).mod(2).toInt(), 2).toFloat();
    return [xf, xc, ys, yp];
  });
  await model.fit([xf!, xc!], [ys!, yp!], { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
  tf.dispose([xf!, xc!, ys!, yp!]);
  return model;
}

/** A fresh temporary directory; remove it with `rm(dir, { recursive: true, force: true })`. */
export async function tempDir(prefix = 'runlog-tfjs-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** Rows of 4 features to predict on. */
export function sampleRows(): Float32Array {
  return Float32Array.from([0.1, -0.2, 0.3, 0.4, -1, 1, 0, 0.5, 0.9, 0.8, -0.7, -0.6]);
}
