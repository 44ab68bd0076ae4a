import * as tf from '@tensorflow/tfjs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTrackingUri, startRun, endRun } from '@runlog/core';
import { logModel, saveModel, buildNodeEnv } from '@runlog/models';
import { tfjsFlavor } from '../src/index.js';
tf.env().set('PROD', true);
const root = mkdtempSync(join(tmpdir(), 'lm-'));
setTrackingUri(join(root, 'mlruns'));
const model = tf.sequential({ layers: [tf.layers.dense({ units: 32, activation: 'relu', inputShape: [16] }), tf.layers.dense({ units: 1 })] });
model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
const run = await startRun();
for (let i = 0; i < 4; i++) {
  let s = performance.now();
  await saveModel(model, join(root, `m${i}`), { flavor: tfjsFlavor });
  const a = performance.now() - s;
  s = performance.now();
  await logModel(model, { name: `model${i}`, flavor: tfjsFlavor });
  const b = performance.now() - s;
  s = performance.now();
  await buildNodeEnv({ '@tensorflow/tfjs': '4.22.0' } as never);
  console.log('saveModel', a.toFixed(1), 'logModel', b.toFixed(1), 'buildNodeEnv', (performance.now() - s).toFixed(1));
}
await endRun();
