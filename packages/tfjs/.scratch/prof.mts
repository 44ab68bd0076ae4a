import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTrackingUri } from '@runlog/core';
import { tfjsAutologPlugin } from '../src/index.js';
import { FitRecorder } from '../src/fit-recorder.js';
tf.env().set('PROD', true);
setTrackingUri(mkdtempSync(join(tmpdir(), 'prof-')));
const t: Record<string, number[]> = {};
const rec = (k: string, v: number) => (t[k] ??= []).push(v);
const P = FitRecorder.prototype as any;
for (const m of ['prepare', 'finish', 'onEpochEnd']) {
  const o = P[m];
  P[m] = function (...a: any[]) { const s = performance.now(); const r = o.apply(this, a); if (r && r.then) return r.then((x: any) => (rec(m, performance.now() - s), x)); rec(m, performance.now() - s); return r; };
}
const [xs, ys] = tf.tidy(() => { const x = tf.randomUniform([1024, 16], -1, 1, 'float32', 5); return [x, x.sum(1, true)]; });
for (let i = 0; i < 6; i++) {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 32, activation: 'relu', inputShape: [16] }), tf.layers.dense({ units: 16, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError', metrics: ['mae'] });
  if (process.env.OFF !== '1') tfjsAutologPlugin.enable({ logModels: process.env.MODELS === '1' });
  const s = performance.now();
  await model.fit(xs!, ys!, { epochs: 20, batchSize: 64, validationSplit: 0.1, shuffle: false, verbose: 0 });
  rec('total', performance.now() - s);
  await tfjsAutologPlugin.disable();
}
for (const [k, v] of Object.entries(t)) console.log(k, v.length, v.slice(-4).map((x) => x.toFixed(2)).join(' '), 'sum-last', v.slice(-20).reduce((a, b) => a + b, 0).toFixed(1));
