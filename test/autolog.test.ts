import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as runlog from 'runlog';

const require = createRequire(import.meta.url);

describe('autolog() in the runlog package', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-autolog-'));
    runlog.setTrackingUri(join(dir, 'mlruns'));
  });
  after(async () => {
    runlog.autolog({ disable: true });
    await runlog.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('enables every installed plugin and restores both frameworks on disable', () => {
    const tf = require('@tensorflow/tfjs');
    const ort = require('onnxruntime-node');
    const fit = tf.LayersModel.prototype.fit;
    const create = ort.InferenceSession.create;
    assert.deepEqual(runlog.autolog().sort(), ['onnx', 'tfjs']);
    assert.notEqual(tf.LayersModel.prototype.fit, fit, 'fit is hooked');
    assert.notEqual(ort.InferenceSession.create, create, 'InferenceSession.create is hooked');
    assert.deepEqual(runlog.autolog().sort(), ['onnx', 'tfjs'], 'calling it twice is safe');
    assert.deepEqual(runlog.autolog({ disable: true }), []);
    assert.equal(tf.LayersModel.prototype.fit, fit);
    assert.equal(ort.InferenceSession.create, create);
  });

  it('records a fit into a run it starts and ends, readable through the runlog API', async () => {
    const tf = require('@tensorflow/tfjs');
    runlog.autolog({ onnx: { disable: true } });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await model.fit(tf.tensor2d([[0], [1], [2], [3]]), tf.tensor2d([[1], [3], [5], [7]]), { epochs: 3, verbose: 0 });
    const run = runlog.lastActiveRun();
    assert.ok(run);
    const stored = await runlog.getRun(run.runId);
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.data.tags['mlflow.autologging'], 'tfjs');
    assert.equal(stored.data.params.epochs, '3');
    assert.equal((await runlog.getMetricHistory(run.runId, 'loss')).length, 3);
    const model2 = await runlog.loadModel(`runs:/${run.runId}/model`);
    const out = await model2.predictTensors([[4]]);
    const expected = model.predict(tf.tensor2d([[4]])).dataSync()[0];
    assert.equal((Object.values(out)[0]!.data as Float32Array)[0], expected);
    await model2.dispose();
    runlog.autolog({ disable: true });
  });
});
