import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { getClient, getMetricHistory, setTrackingUri } from '@runlog/core';
import { tfjsAutologPlugin } from '../src/index.js';
import { captureStderr, compiledModel, data, newRuns, runIds, tf, trackingPerSuite } from './autolog-support.js';

const originals = {
  layersFit: tf.LayersModel.prototype.fit,
  layersFitDataset: tf.LayersModel.prototype.fitDataset,
  seqFit: tf.Sequential.prototype.fit,
  seqFitDataset: tf.Sequential.prototype.fitDataset,
};

async function fitOnce(epochs = 2, args: tf.ModelFitArgs = {}, model = compiledModel()): Promise<tf.History> {
  const { xs, ys } = data();
  try {
    return await model.fit(xs, ys, { epochs, verbose: 0, ...args });
  } finally {
    tf.dispose([xs, ys]);
  }
}

describe('tfjs autolog: hooks', () => {
  const tracking = trackingPerSuite();

  it('wraps fit and fitDataset of LayersModel and Sequential (which overrides both)', () => {
    assert.equal(tfjsAutologPlugin.enable({}), true);
    assert.notEqual(tf.LayersModel.prototype.fit, originals.layersFit);
    assert.notEqual(tf.LayersModel.prototype.fitDataset, originals.layersFitDataset);
    assert.notEqual(tf.Sequential.prototype.fit, originals.seqFit);
    assert.notEqual(tf.Sequential.prototype.fitDataset, originals.seqFitDataset);
    assert.equal(tf.Sequential.prototype.fit.name, originals.seqFit.name, 'keeps the name');
  });

  it('disable restores fit and fitDataset exactly and logs nothing afterwards; it is idempotent', async () => {
    tfjsAutologPlugin.enable({});
    await tfjsAutologPlugin.disable();
    await tfjsAutologPlugin.disable();
    assert.equal(tf.LayersModel.prototype.fit, originals.layersFit);
    assert.equal(tf.LayersModel.prototype.fitDataset, originals.layersFitDataset);
    assert.equal(tf.Sequential.prototype.fit, originals.seqFit);
    assert.equal(tf.Sequential.prototype.fitDataset, originals.seqFitDataset);
    assert.ok(Object.prototype.hasOwnProperty.call(tf.Sequential.prototype, 'fit'));
    const before = await runIds();
    await fitOnce();
    assert.deepEqual(await newRuns(before), []);
  });

  it('enable({ disable: true }) disables', async () => {
    tfjsAutologPlugin.enable({});
    assert.equal(tfjsAutologPlugin.enable({ disable: true }), false);
    assert.equal(tf.LayersModel.prototype.fit, originals.layersFit);
  });

  it('leaves a wrapper installed over its own in place on disable, and its own then passes through', async () => {
    tfjsAutologPlugin.enable({});
    const ours = tf.LayersModel.prototype.fit;
    const theirs = function (this: tf.LayersModel, ...args: Parameters<typeof ours>) {
      return ours.apply(this, args);
    };
    tf.LayersModel.prototype.fit = theirs;
    try {
      await tfjsAutologPlugin.disable();
      assert.equal(tf.LayersModel.prototype.fit, theirs);
      const before = await runIds();
      await fitOnce(1, {}, compiledModel({ sequential: false }));
      assert.deepEqual(await newRuns(before), []);
    } finally {
      tf.LayersModel.prototype.fit = originals.layersFit;
    }
  });

  it('enabling twice hooks once: one run, one point per epoch', async () => {
    tfjsAutologPlugin.enable({});
    const wrapped = tf.Sequential.prototype.fit;
    tfjsAutologPlugin.enable({});
    assert.equal(tf.Sequential.prototype.fit, wrapped);
    const before = await runIds();
    await fitOnce(3);
    const runs = await newRuns(before);
    assert.equal(runs.length, 1);
    assert.deepEqual((await getMetricHistory(runs[0]!.info.runId, 'loss')).map((m) => m.step), [0, 1, 2]);
  });

  it('a second enable reconfigures: the latest options apply', async () => {
    tfjsAutologPlugin.enable({});
    tfjsAutologPlugin.enable({ logModels: false, extraTags: { team: 'ml' } });
    const before = await runIds();
    await fitOnce(1);
    const [run] = await newRuns(before);
    assert.equal(run?.data.tags['team'], 'ml');
    assert.equal(run?.data.tags['mlflow.log-model.history'], undefined, 'no model logged');
  });

  it('a run that cannot start (unusable tracking path) does not break fit: History returned, one warning', async () => {
    const file = join(tracking.dir, 'not-a-dir');
    await writeFile(file, 'x');
    setTrackingUri(join(file, 'mlruns'));
    try {
      tfjsAutologPlugin.enable({});
      const { result, stderr } = await captureStderr(async () => [await fitOnce(2), await fitOnce(2)]);
      assert.deepEqual(result.map((h) => h.epoch), [[0, 1], [0, 1]]);
      const lines = stderr.split('\n').filter((l) => l.startsWith('runlog autolog (tfjs)'));
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0]!, /ENOTDIR|not a directory/i);
      // silent: no output at all
      tfjsAutologPlugin.enable({ silent: true });
      assert.equal((await captureStderr(() => fitOnce(1))).stderr, '');
    } finally {
      setTrackingUri(tracking.dir);
    }
  });

  it('a logger that throws mid-training does not break fit; the run still ends', async () => {
    tfjsAutologPlugin.enable({ logModels: false });
    const client = getClient();
    const logMetric = client.logMetric;
    client.logMetric = () => {
      throw new Error('injected metric failure');
    };
    try {
      const before = await runIds();
      const { result, stderr } = await captureStderr(() => fitOnce(3));
      assert.equal(result.epoch.length, 3);
      assert.equal(stderr.match(/injected metric failure/g)?.length, 1, stderr);
      const [run] = await newRuns(before);
      assert.equal(run?.info.status, 'FINISHED');
      assert.equal(run?.data.params['epochs'], '3');
    } finally {
      client.logMetric = logMetric;
    }
  });

  it('keeps the user\'s callbacks, config objects and callback objects, and their order', async () => {
    tfjsAutologPlugin.enable({ logModels: false });
    const seen: string[] = [];
    await fitOnce(2, { callbacks: { onEpochEnd: async (e) => void seen.push(`config ${e}`) } });
    await fitOnce(2, { callbacks: [{ onTrainEnd: async () => void seen.push('a') }, { onTrainEnd: async () => void seen.push('b') }] });
    class Mine extends tf.Callback {
      override async onEpochEnd(epoch: number): Promise<void> {
        seen.push(`object ${epoch}`);
      }
    }
    await fitOnce(2, { callbacks: new Mine() });
    await fitOnce(1, { callbacks: [new Mine(), new Mine()] });
    assert.deepEqual(seen, ['config 0', 'config 1', 'a', 'b', 'object 0', 'object 1', 'object 0', 'object 0']);
  });

  it('EarlyStopping: its settings as params and stopped_epoch when it stopped training', async () => {
    tfjsAutologPlugin.enable({ logModels: false });
    const before = await runIds();
    const model = compiledModel();
    model.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' }); // lr 0: loss never improves
    const history = await fitOnce(10, { shuffle: false, callbacks: [tf.callbacks.earlyStopping({ monitor: 'loss', patience: 2 })] }, model);
    assert.equal(history.epoch.length, 3);
    const [run] = await newRuns(before);
    const p = run!.data.params;
    assert.deepEqual(
      { monitor: p['monitor'], min_delta: p['min_delta'], patience: p['patience'], baseline: p['baseline'], mode: p['mode'] },
      { monitor: 'loss', min_delta: '0.0', patience: '2', baseline: 'None', mode: 'auto' },
    );
    assert.equal(p['optimizer_name'], 'SGD');
    assert.equal(p['opt_learning_rate'], '0');
    assert.equal(p['metrics'], '[]');
    assert.deepEqual((await getMetricHistory(run!.info.runId, 'stopped_epoch')).map((m) => [m.step, m.value]), [[0, 2]]);
  });

  it('no stopped_epoch when EarlyStopping did not stop training', async () => {
    tfjsAutologPlugin.enable({ logModels: false });
    const before = await runIds();
    await fitOnce(2, { callbacks: tf.callbacks.earlyStopping({ monitor: 'loss', patience: 5 }) });
    const [run] = await newRuns(before);
    assert.equal(run!.data.params['patience'], '5');
    assert.equal(run!.data.metrics['stopped_epoch'], undefined);
  });

  it('initialEpoch: epochs are logged at their own steps', async () => {
    tfjsAutologPlugin.enable({ logModels: false });
    const before = await runIds();
    await fitOnce(5, { initialEpoch: 3 });
    const [run] = await newRuns(before);
    assert.equal(run!.data.params['initial_epoch'], '3');
    assert.deepEqual((await getMetricHistory(run!.info.runId, 'loss')).map((m) => m.step), [3, 4]);
  });

  it('logEveryNSteps: batch metrics every N batches as batch_<name> at the global batch count', async () => {
    tfjsAutologPlugin.enable({ logModels: false, logEveryNSteps: 3 });
    const before = await runIds();
    await fitOnce(2, { batchSize: 8 }); // 40 rows: 5 batches per epoch, 10 in all
    const [run] = await newRuns(before);
    assert.deepEqual((await getMetricHistory(run!.info.runId, 'batch_loss')).map((m) => m.step), [3, 6, 9]);
    assert.deepEqual((await getMetricHistory(run!.info.runId, 'batch_mse')).map((m) => m.step), [3, 6, 9]);
    assert.deepEqual((await getMetricHistory(run!.info.runId, 'loss')).map((m) => m.step), [0, 1]);
    assert.equal(run!.data.metrics['batch_batch'], undefined);
    assert.equal(run!.data.metrics['batch_size'], undefined);
  });

  it('warns once about a second, unhooked copy of tfjs-layers, naming autolog({ tfjs: { tf } })', async () => {
    const cache = createRequire(import.meta.url).cache;
    const fakeFile = join('/', 'elsewhere', 'node_modules', '@tensorflow', 'tfjs-layers', 'dist', 'tf-layers.node.js');
    cache[fakeFile] = { exports: { LayersModel: class LayersModel {} } } as unknown as NodeJS.Module;
    try {
      const { stderr } = await captureStderr(async () => {
        tfjsAutologPlugin.enable({ logModels: false });
        await fitOnce(1);
        tfjsAutologPlugin.enable({ logModels: false });
      });
      const lines = stderr.split('\n').filter((l) => l.includes('second copy of @tensorflow/tfjs-layers'));
      assert.equal(lines.length, 1, stderr);
      assert.ok(lines[0]!.includes(join('/', 'elsewhere', 'node_modules', '@tensorflow', 'tfjs-layers')), lines[0]);
      assert.match(lines[0]!, /autolog\(\{ tfjs: \{ tf \} \}\)/);
    } finally {
      delete cache[fakeFile];
    }
  });

  it('with tfjs-node installed, hooks the tfjs it uses without loading tfjs-node (no native binding, no backend switch)', async () => {
    const project = join(tracking.dir, 'project');
    const nodePkg = join(project, 'node_modules', '@tensorflow', 'tfjs-node');
    await mkdir(nodePkg, { recursive: true });
    await writeFile(join(nodePkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node', version: '4.22.0', main: 'index.js' }));
    await writeFile(join(nodePkg, 'index.js'), "throw new Error('tfjs-node must not be loaded by enable()');");
    const realTfjs = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs/package.json'));
    await symlink(realTfjs, join(project, 'node_modules', '@tensorflow', 'tfjs'), 'dir');
    const cwd = process.cwd();
    process.chdir(project);
    try {
      const { result, stderr } = await captureStderr(async () => tfjsAutologPlugin.enable({ logModels: false }));
      assert.equal(result, true);
      assert.equal(stderr, '');
      assert.notEqual(tf.Sequential.prototype.fit, originals.seqFit);
    } finally {
      process.chdir(cwd);
    }
  });

  it('takes an explicit tf, also as a CommonJS module under default', async () => {
    assert.equal(tfjsAutologPlugin.enable({}, { tf: { default: tf } as unknown as typeof tf }), true);
    assert.notEqual(tf.LayersModel.prototype.fit, originals.layersFit);
    const { result, stderr } = await captureStderr(async () => tfjsAutologPlugin.enable({}, { tf: { version: {} } as unknown as typeof tf }));
    assert.equal(result, false);
    assert.match(stderr, /not a TF\.js module/);
  });
});
