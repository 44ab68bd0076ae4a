import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FlavorModel, MLmodel } from '@runlog/models';
import { tfjsFlavor, TfjsFlavorModel } from '../src/index.js';
import { removeDir, sampleRows, tempDir, tf, trainedSequential, trainedTwoInput } from './fixtures.js';

function mlmodelWith(flavors: MLmodel['flavors']): MLmodel {
  return { flavors, modelUuid: '0'.repeat(32), utcTimeCreated: '2026-11-26 08:00:00.000000' };
}

describe('tfjs flavor: load and run', () => {
  let dir: string;
  let original: tf.Sequential;
  let mlmodel: MLmodel;

  before(async () => {
    dir = await tempDir();
    original = await trainedSequential();
    const saved = await tfjsFlavor.save(original, dir, {});
    mlmodel = mlmodelWith(saved.flavors);
  });
  after(async () => {
    original.dispose();
    await removeDir(dir);
  });

  it('predicts exactly what the original model predicts (same weights, identical floats)', async () => {
    const loaded = await tfjsFlavor.load(dir, mlmodel, {});
    try {
      const rows = sampleRows();
      const expected = tf.tidy(() => (original.predict(tf.tensor2d(rows, [3, 4])) as tf.Tensor).dataSync().slice());
      const out = await loaded.run({ [loaded.inputNames[0]!]: { dtype: 'float32', dims: [3, 4], data: rows } });
      assert.deepEqual(Object.keys(out), loaded.outputNames);
      const y = out[loaded.outputNames[0]!]!;
      assert.equal(y.dtype, 'float32');
      assert.deepEqual(y.dims, [3, 1]);
      assert.ok(y.data instanceof Float32Array);
      assert.deepEqual(Array.from(y.data), Array.from(expected));
      // Not a trivially-constant model: training moved it.
      assert.notEqual(expected[0], expected[1]);
    } finally {
      await loaded.dispose?.();
    }
  });

  it('keeps the model input and output names', async () => {
    const loaded = await tfjsFlavor.load(dir, mlmodel, {});
    assert.deepEqual(loaded.inputNames, original.inputNames);
    assert.deepEqual(loaded.outputNames, original.outputNames);
    assert.ok(loaded instanceof TfjsFlavorModel);
    assert.equal(typeof (loaded.raw as tf.LayersModel).predict, 'function');
    await loaded.dispose?.();
  });

  it('leaks no tensors: run() disposes its inputs and outputs, dispose() frees the weights', async () => {
    const before = tf.memory().numTensors;
    const loaded = await tfjsFlavor.load(dir, mlmodel, {});
    const afterLoad = tf.memory().numTensors;
    assert.ok(afterLoad > before, 'the weights are tensors');
    for (let i = 0; i < 3; i++) {
      await loaded.run({ x: { dtype: 'float32', dims: [3, 4], data: sampleRows() } });
      assert.equal(tf.memory().numTensors, afterLoad);
    }
    await assert.rejects(loaded.run({ x: { dtype: 'float32', dims: [2, 4], data: sampleRows() } }));
    assert.equal(tf.memory().numTensors, afterLoad, 'no leak when run() fails either');
    await loaded.dispose?.();
    assert.equal(tf.memory().numTensors, before);
    await loaded.dispose?.(); // idempotent
    await assert.rejects(loaded.run({ x: { dtype: 'float32', dims: [3, 4], data: sampleRows() } }), /disposed/);
  });

  it('converts float64 and int64 inputs to the float32 input dtype', async () => {
    const loaded = await tfjsFlavor.load(dir, mlmodel, {});
    try {
      const name = loaded.inputNames[0]!;
      const f32 = await loaded.run({ [name]: { dtype: 'float32', dims: [1, 4], data: Float32Array.from([1, 2, -3, 0]) } });
      const f64 = await loaded.run({ [name]: { dtype: 'float64', dims: [1, 4], data: Float64Array.from([1, 2, -3, 0]) } });
      const i64 = await loaded.run({ [name]: { dtype: 'int64', dims: [1, 4], data: BigInt64Array.from([1n, 2n, -3n, 0n]) } });
      const out = loaded.outputNames[0]!;
      assert.deepEqual(Array.from(f64[out]!.data as Float32Array), Array.from(f32[out]!.data as Float32Array));
      assert.deepEqual(Array.from(i64[out]!.data as Float32Array), Array.from(f32[out]!.data as Float32Array));
    } finally {
      await loaded.dispose?.();
    }
  });

  it('refuses mismatched dims and string data with SchemaMismatchError', async () => {
    const loaded = await tfjsFlavor.load(dir, mlmodel, {});
    try {
      const name = loaded.inputNames[0]!;
      await assert.rejects(loaded.run({ [name]: { dtype: 'float32', dims: [2, 4], data: new Float32Array(4) } }), {
        code: 'RUNLOG_ERR_SCHEMA_MISMATCH',
      });
      await assert.rejects(loaded.run({ [name]: { dtype: 'str', dims: [1, 4], data: ['a', 'b', 'c', 'd'] } }), {
        code: 'RUNLOG_ERR_SCHEMA_MISMATCH',
      });
    } finally {
      await loaded.dispose?.();
    }
  });

  it('fromFrameworkTensor converts a tf.Tensor and returns undefined for anything else', async () => {
    const loaded = await tfjsFlavor.load(dir, mlmodel, {});
    try {
      const t = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
      assert.deepEqual(loaded.fromFrameworkTensor!(t), { dtype: 'int32', dims: [2, 2], data: Int32Array.from([1, 2, 3, 4]) });
      const b = tf.tensor1d([true, false], 'bool');
      assert.deepEqual(loaded.fromFrameworkTensor!(b), { dtype: 'bool', dims: [2], data: [true, false] });
      const s = tf.tensor1d(['a', 'bc'], 'string');
      assert.deepEqual(loaded.fromFrameworkTensor!(s), { dtype: 'str', dims: [2], data: ['a', 'bc'] });
      tf.dispose([t, b, s]);
      assert.equal(loaded.fromFrameworkTensor!([[1, 2]]), undefined);
      assert.equal(loaded.fromFrameworkTensor!({ dtype: 'float32', dims: [1], data: new Float32Array(1) }), undefined);
    } finally {
      await loaded.dispose?.();
    }
  });

  it('refuses an MLmodel without a tfjs block, and a directory without model.json (ModelFormatError)', async () => {
    await assert.rejects(tfjsFlavor.load(dir, mlmodelWith({}), {}), { code: 'RUNLOG_ERR_MODEL_FORMAT' });
    const empty = await tempDir();
    try {
      await assert.rejects(tfjsFlavor.load(empty, mlmodel, {}), { code: 'RUNLOG_ERR_MODEL_FORMAT', message: /model\.json/ });
    } finally {
      await removeDir(empty);
    }
  });

  it('refuses a flavors.tfjs.data path that leaves the model directory', async () => {
    for (const data of ['../model', '/etc']) {
      const bad = mlmodelWith({ tfjs: { ...mlmodel.flavors['tfjs'], data } });
      await assert.rejects(tfjsFlavor.load(dir, bad, {}), { code: 'RUNLOG_ERR_MODEL_FORMAT', message: /leaves the model directory/ });
    }
  });

  it('uses the TF.js module passed as flavorOptions.tf', async () => {
    let calls = 0;
    const spy = {
      ...tf,
      loadLayersModel: (...args: Parameters<typeof tf.loadLayersModel>) => {
        calls++;
        return tf.loadLayersModel(...args);
      },
    };
    const loaded = await tfjsFlavor.load(dir, mlmodel, { flavorOptions: { tf: spy } });
    assert.equal(calls, 1);
    await loaded.dispose?.();
  });
});

describe('tfjs flavor: a functional model with two inputs and two outputs', () => {
  let dir: string;
  let original: tf.LayersModel;
  let loaded: FlavorModel;

  before(async () => {
    dir = await tempDir();
    original = await trainedTwoInput();
    const saved = await tfjsFlavor.save(original, dir, {});
    loaded = await tfjsFlavor.load(dir, mlmodelWith(saved.flavors), {});
  });
  after(async () => {
    await loaded.dispose?.();
    original.dispose();
    await removeDir(dir);
  });

  it('takes inputs by name in any key order and returns outputs keyed by output layer name', async () => {
    assert.deepEqual(loaded.inputNames, ['features', 'counts']);
    assert.deepEqual(loaded.outputNames, ['score', 'probs']);
    const features = Float32Array.from([0.5, -0.25, 1, -1, 0, 0.75]);
    const counts = Int32Array.from([1, 4, 3, 0]);
    const out = await loaded.run({
      counts: { dtype: 'int32', dims: [2, 2], data: counts },
      features: { dtype: 'float32', dims: [2, 3], data: features },
    });
    const [score, probs] = tf.tidy(() =>
      (original.predict([tf.tensor2d(features, [2, 3]), tf.tensor2d(counts, [2, 2], 'int32')]) as tf.Tensor[]).map((t) =>
        Array.from(t.dataSync()),
      ),
    );
    assert.deepEqual(Object.keys(out), ['score', 'probs']);
    assert.deepEqual(out['score']!.dims, [2, 1]);
    assert.deepEqual(out['probs']!.dims, [2, 2]);
    assert.deepEqual(Array.from(out['score']!.data as Float32Array), score);
    assert.deepEqual(Array.from(out['probs']!.data as Float32Array), probs);
  });

  it('names the missing input in a SchemaMismatchError', async () => {
    await assert.rejects(loaded.run({ features: { dtype: 'float32', dims: [1, 3], data: new Float32Array(3) } }), {
      code: 'RUNLOG_ERR_SCHEMA_MISMATCH',
      input: 'counts',
    });
  });
});
