import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { downloadArtifacts, endRun, getMetricHistory, getRun, listArtifacts, startRun, withRun } from '@runlog/core';
import { loadModel } from '@runlog/models';
import { registerTfjsFlavor, tfjsAutologPlugin } from '../src/index.js';
import { allRuns, compiledModel, data, newRuns, runIds, tempTracking, tf } from './autolog-support.js';
import { sampleRows } from './fixtures.js';

describe('tfjs autolog: runs', () => {
  let tracking: Awaited<ReturnType<typeof tempTracking>>;
  let unregister: () => void;

  before(async () => {
    tracking = await tempTracking();
    unregister = registerTfjsFlavor();
    assert.equal(tfjsAutologPlugin.enable({}), true);
  });
  after(async () => {
    await tfjsAutologPlugin.disable();
    unregister();
    await tracking.close();
  });

  it('a fit with no active run gets its own run: tagged, FINISHED, params, per-epoch metrics, summary and a loadable model', async () => {
    const before = await runIds();
    const model = compiledModel();
    const { xs, ys } = data();
    const history = await model.fit(xs, ys, { epochs: 4, batchSize: 8, validationSplit: 0.25, verbose: 0 });
    assert.equal(history.history['loss']?.length, 4);

    const [run, ...others] = await newRuns(before);
    assert.ok(run);
    assert.equal(others.length, 0);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.tags['mlflow.autologging'], 'tfjs');
    const p = run.data.params;
    assert.equal(p['epochs'], '4');
    assert.equal(p['batch_size'], '8');
    assert.equal(p['validation_split'], '0.25');
    assert.equal(p['shuffle'], 'True');
    assert.equal(p['initial_epoch'], '0');
    assert.equal(p['class_weight'], 'None');
    assert.equal(p['steps_per_epoch'], 'None');
    assert.equal(p['optimizer_name'], 'Adam');
    assert.equal(p['opt_learning_rate'], '0.05');
    assert.equal(p['opt_beta_1'], '0.9');
    assert.equal(p['opt_beta_2'], '0.999');
    assert.equal(p['loss'], 'meanSquaredError');
    assert.equal(p['metrics'], '["mse"]');
    assert.equal(p['layer_count'], '2');
    assert.equal(p['total_params'], String(4 * 8 + 8 + 8 + 1));
    assert.equal(p['trainable_params'], String(4 * 8 + 8 + 8 + 1));
    assert.equal(p['tfjs_backend'], tf.getBackend());
    assert.equal(p['tfjs_version'], tf.version.tfjs);

    for (const key of ['loss', 'mse', 'val_loss', 'val_mse']) {
      const points = await getMetricHistory(run.info.runId, key);
      assert.deepEqual(points.map((m) => m.step), [0, 1, 2, 3], key);
      assert.deepEqual(points.map((m) => m.value), history.history[key]!.map(Number), key);
    }

    // As Python's Keras autolog in MLflow 3: the model is the run's LoggedModel, not a run artifact.
    const artifacts = (await listArtifacts(run.info.runId)).map((f) => f.path).sort();
    assert.deepEqual(artifacts, ['model_summary.txt']);
    assert.equal((await getRun(run.info.runId)).outputs?.modelOutputs.length, 1);
    const summary = await readFile(await downloadArtifacts(run.info.runId, 'model_summary.txt'), 'utf8');
    assert.match(summary, /hidden \(Dense\)/);
    assert.match(summary, /Total params: 49/);

    const loaded = await loadModel(`runs:/${run.info.runId}/model`);
    try {
      assert.equal(loaded.signature?.inputs.kind, 'tensor');
      const rows = Array.from({ length: 3 }, (_, r) => Array.from(sampleRows().subarray(r * 4, r * 4 + 4)));
      const out = await loaded.predict(rows);
      const want = tf.tidy(() => (model.predict(tf.tensor2d(rows)) as tf.Tensor).arraySync());
      assert.deepEqual(out[loaded.outputNames[0]!], want);
    } finally {
      await loaded.dispose();
    }
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('logs into the user\'s active run and leaves it open', async () => {
    const run = await startRun({ runName: 'mine' });
    try {
      const model = compiledModel();
      const { xs, ys } = data();
      const before = await runIds();
      await model.fit(xs, ys, { epochs: 2, verbose: 0 });
      assert.deepEqual(await newRuns(before), [], 'no run of its own');
      const stored = await getRun(run.runId);
      assert.equal(stored.info.status, 'RUNNING');
      assert.equal(stored.data.tags['mlflow.autologging'], undefined);
      assert.equal(stored.data.params['epochs'], '2');
      assert.equal((await getMetricHistory(run.runId, 'loss')).length, 2);
      tf.dispose([xs, ys]);
      model.dispose();
    } finally {
      await endRun();
    }
    assert.equal((await getRun(run.runId)).info.status, 'FINISHED');
  });

  it('logs into a withRun() run of its own async context', async () => {
    const model = compiledModel({ sequential: false });
    const { xs, ys } = data();
    const runId = await withRun({ runName: 'scoped' }, async (run) => {
      await model.fit(xs, ys, { epochs: 3, verbose: 0 });
      return run.runId;
    });
    const stored = await getRun(runId);
    assert.equal(stored.data.params['epochs'], '3');
    assert.equal((await getMetricHistory(runId, 'mse')).length, 3);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('with exclusive, leaves the user\'s run alone and starts none', async () => {
    assert.equal(tfjsAutologPlugin.enable({ exclusive: true }), true);
    try {
      const run = await startRun();
      const before = await runIds();
      const model = compiledModel();
      const { xs, ys } = data();
      const history = await model.fit(xs, ys, { epochs: 2, verbose: 0 });
      assert.equal(history.epoch.length, 2);
      await endRun();
      assert.deepEqual(await newRuns(before), []);
      const stored = await getRun(run.runId);
      assert.deepEqual(stored.data.params, {});
      assert.deepEqual(stored.data.metrics, {});
      tf.dispose([xs, ys]);
      model.dispose();
    } finally {
      tfjsAutologPlugin.enable({});
    }
  });

  it('fitDataset: own run with epochs, batches_per_epoch, batch_size from the first batch, per-epoch metrics and the model', async () => {
    const before = await runIds();
    const model = compiledModel();
    const { xs, ys } = data(32);
    const ds = tf.data.zip({ xs: tf.data.array(xs.unstack()), ys: tf.data.array(ys.unstack()) }).batch(8);
    const history = await model.fitDataset(ds, { epochs: 3, verbose: 0, validationData: [xs, ys] });
    assert.equal(history.epoch.length, 3);
    const [run] = await newRuns(before);
    assert.ok(run);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.tags['mlflow.autologging'], 'tfjs');
    assert.equal(run.data.params['epochs'], '3');
    assert.equal(run.data.params['batches_per_epoch'], 'None');
    assert.equal(run.data.params['batch_size'], '8');
    assert.equal(run.data.params['validation_batch_size'], '32');
    assert.equal(run.data.params['optimizer_name'], 'Adam');
    for (const key of ['loss', 'mse', 'val_loss', 'val_mse']) {
      assert.deepEqual((await getMetricHistory(run.info.runId, key)).map((m) => m.step), [0, 1, 2], key);
    }
    assert.deepEqual((await listArtifacts(run.info.runId)).map((f) => f.path).sort(), ['model_summary.txt']);
    assert.equal((await getRun(run.info.runId)).outputs?.modelOutputs.length, 1);
    tf.dispose([xs, ys]);
    model.dispose();
  });

  it('a fit that throws ends its run FAILED and rethrows the same error', async () => {
    const before = await runIds();
    const model = compiledModel();
    const bad = tf.ones([6, 3]); // the model takes 4 features
    const ys = tf.ones([6, 1]);
    let thrown: unknown;
    try {
      await model.fit(bad, ys, { epochs: 2, verbose: 0 });
    } catch (err) {
      thrown = err;
    }
    assert.ok(thrown instanceof Error);
    assert.match(thrown.message, /expected dense_?\w*input to have shape \[null,4\]|shape/i);
    const [run] = await newRuns(before);
    assert.ok(run);
    assert.equal(run.info.status, 'FAILED');
    assert.equal(run.data.params['epochs'], '2');
    assert.deepEqual((await listArtifacts(run.info.runId)).map((f) => f.path), ['model_summary.txt'], 'no model for a failed fit');

    // A throw from a user callback propagates the same way.
    const { xs, ys: y2 } = data();
    const boom = new Error('boom from a callback');
    await assert.rejects(model.fit(xs, y2, { epochs: 3, verbose: 0, callbacks: { onEpochEnd: async () => { throw boom; } } }), (err) => err === boom);
    const [second] = await newRuns([...before, run.info.runId]);
    assert.equal(second?.info.status, 'FAILED');
    tf.dispose([bad, ys, xs, y2]);
    model.dispose();
  });

  it('concurrent fits of two models get a run each, with their own metrics', async () => {
    const before = await runIds();
    const a = compiledModel();
    const b = compiledModel({ sequential: false });
    const { xs, ys } = data();
    await Promise.all([a.fit(xs, ys, { epochs: 2, verbose: 0 }), b.fit(xs, ys, { epochs: 5, verbose: 0 })]);
    const runs = await newRuns(before);
    assert.equal(runs.length, 2);
    const byEpochs = Object.fromEntries(runs.map((r) => [r.data.params['epochs'], r.info.runId]));
    assert.equal((await getMetricHistory(byEpochs['2']!, 'loss')).length, 2);
    assert.equal((await getMetricHistory(byEpochs['5']!, 'loss')).length, 5);
    for (const r of runs) assert.equal(r.info.status, 'FINISHED');
    tf.dispose([xs, ys]);
    a.dispose();
    b.dispose();
  });

  it('concurrent fits inside their own withRun() scopes log into their own runs', async () => {
    const { xs, ys } = data();
    const train = (epochs: number) =>
      withRun({ runName: `scope-${epochs}` }, async (run) => {
        const model = compiledModel();
        await new Promise((r) => setTimeout(r, epochs)); // start at different times
        await model.fit(xs, ys, { epochs, verbose: 0 });
        model.dispose();
        return run.runId;
      });
    const [r3, r4] = await Promise.all([train(3), train(4)]);
    assert.equal((await getRun(r3)).data.params['epochs'], '3');
    assert.equal((await getRun(r4)).data.params['epochs'], '4');
    assert.equal((await getMetricHistory(r3, 'loss')).length, 3);
    assert.equal((await getMetricHistory(r4, 'loss')).length, 4);
    tf.dispose([xs, ys]);
  });

  it('leaves no run active behind and every run it started is ended', async () => {
    const runs = await allRuns();
    assert.ok(runs.length >= 4);
    for (const r of runs) assert.notEqual(r.info.status, 'RUNNING', r.info.runId);
  });
});
