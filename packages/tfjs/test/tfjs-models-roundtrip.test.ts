import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadModel, readMLmodel, saveModel } from '@runlog/models';
import { flavorFor } from '@runlog/models/internal';
import { registerTfjsFlavor, tfjsFlavor } from '../src/index.js';
import { removeDir, sampleRows, tempDir, tf, trainedSequential, trainedTwoInput } from './fixtures.js';

describe('tfjs flavor through saveModel / loadModel', () => {
  let root: string;
  let unregister: () => void;
  let original: tf.Sequential;
  let expected: number[][];

  before(async () => {
    unregister = registerTfjsFlavor();
    root = await tempDir();
    original = await trainedSequential();
    expected = tf.tidy(() => (original.predict(tf.tensor2d(sampleRows(), [3, 4])) as tf.Tensor).arraySync() as number[][]);
    await saveModel(original, join(root, 'seq'));
  });
  after(async () => {
    original.dispose();
    unregister();
    await removeDir(root);
  });

  it('registerTfjsFlavor makes saveModel pick the tfjs flavor for a LayersModel', () => {
    assert.equal(flavorFor(original), tfjsFlavor);
  });

  it('writes an MLmodel with the tfjs block and inferred signature, node_env.json, and no Python environment', async () => {
    const dir = join(root, 'seq');
    assert.deepEqual((await readdir(dir)).sort(), ['MLmodel', 'model', 'node_env.json']);
    const mlmodel = await readMLmodel(dir);
    assert.deepEqual(Object.keys(mlmodel.flavors), ['tfjs']);
    assert.equal(mlmodel.flavors['tfjs']!['data'], 'model');
    assert.equal(mlmodel.flavors['tfjs']!['format'], 'layers-model');
    assert.equal(mlmodel.flavors['tfjs']!['tfjs_version'], tf.version.tfjs);
    assert.deepEqual(mlmodel.signature?.inputs, {
      kind: 'tensor',
      inputs: [{ type: 'tensor', name: original.inputNames[0], tensorSpec: { dtype: 'float32', shape: [-1, 4] } }],
    });
    assert.deepEqual(mlmodel.signature?.outputs, {
      kind: 'tensor',
      inputs: [{ type: 'tensor', name: original.outputNames[0], tensorSpec: { dtype: 'float32', shape: [-1, 1] } }],
    });
    const env = JSON.parse(await readFile(join(dir, 'node_env.json'), 'utf8'));
    assert.equal(env.packages['@tensorflow/tfjs'], tf.version.tfjs);
  });

  it('loadModel predicts, from nested arrays, exactly what the original predicts', async () => {
    const loaded = await loadModel(join(root, 'seq'));
    try {
      assert.equal(loaded.flavor, 'tfjs');
      const rows = Array.from({ length: 3 }, (_, r) => Array.from(sampleRows().subarray(r * 4, r * 4 + 4)));
      const out = await loaded.predict(rows);
      assert.deepEqual(out[loaded.outputNames[0]!], expected);
    } finally {
      await loaded.dispose();
    }
  });

  it('loadModel takes a tf.Tensor and a Float32Array input too, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const loaded = await loadModel(join(root, 'seq'));
    const x = tf.tensor2d(sampleRows(), [3, 4]);
    try {
      const name = loaded.outputNames[0]!;
      const fromTensor = await loaded.predictTensors(x);
      assert.deepEqual(Array.from(fromTensor[name]!.data as Float32Array), expected.flat());
      const fromArray = await loaded.predict({ [loaded.inputNames[0]!]: { dtype: 'float32', dims: [3, 4], data: sampleRows() } });
      assert.deepEqual(fromArray[name], expected);
    } finally {
      x.dispose();
      await loaded.dispose();
    }
    assert.equal(tf.memory().numTensors, before);
  });

  it('round-trips a two-input functional model, inputs by name as nested arrays', async () => {
    const fn = await trainedTwoInput();
    try {
      await saveModel(fn, join(root, 'two'));
      const loaded = await loadModel(join(root, 'two'));
      try {
        const features = [[0.5, -0.25, 1], [-1, 0, 0.75]];
        const counts = [[1, 4], [3, 0]];
        const out = await loaded.predict({ features, counts });
        const want = tf.tidy(() =>
          (fn.predict([tf.tensor2d(features), tf.tensor2d(counts, [2, 2], 'int32')]) as tf.Tensor[]).map((t) => t.arraySync()),
        );
        assert.deepEqual(out, { score: want[0], probs: want[1] });
      } finally {
        await loaded.dispose();
      }
    } finally {
      fn.dispose();
    }
  });
});
