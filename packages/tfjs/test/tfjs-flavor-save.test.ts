import assert from 'node:assert/strict';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tfjsFlavor } from '../src/index.js';
import { isLayersModel } from '../src/internal.js';
import { removeDir, tempDir, tf, trainedSequential, trainedTwoInput } from './fixtures.js';

describe('tfjs flavor: accepts', () => {
  it('accepts Sequential and functional LayersModels', async () => {
    const seq = await trainedSequential();
    const fn = await trainedTwoInput();
    assert.equal(tfjsFlavor.accepts(seq), true);
    assert.equal(tfjsFlavor.accepts(fn), true);
    assert.equal(isLayersModel(fn), true);
    seq.dispose();
    fn.dispose();
  });

  it('refuses tensors, plain objects, paths and GraphModel-like objects', () => {
    const t = tf.tensor([1, 2]);
    assert.equal(tfjsFlavor.accepts(t), false);
    t.dispose();
    for (const v of [null, undefined, 42, 'model.json', {}, new Uint8Array(4)]) assert.equal(tfjsFlavor.accepts(v), false);
    const graphModelLike = { save() {}, predict() {}, inputs: [], outputs: [], execute() {} };
    assert.equal(tfjsFlavor.accepts(graphModelLike), false);
  });
});

describe('tfjs flavor: save', () => {
  let dir: string;
  let model: tf.Sequential;
  let result: Awaited<ReturnType<typeof tfjsFlavor.save>>;

  before(async () => {
    dir = await tempDir();
    model = await trainedSequential();
    result = await tfjsFlavor.save(model, dir, {});
  });
  after(async () => {
    model.dispose();
    await removeDir(dir);
  });

  it('writes TF.js layers format under model/: model.json and group1-shard1of1.bin', async () => {
    assert.deepEqual((await readdir(dir)).sort(), ['model']);
    assert.deepEqual((await readdir(join(dir, 'model'))).sort(), ['group1-shard1of1.bin', 'model.json']);
    const json = JSON.parse(await readFile(join(dir, 'model', 'model.json'), 'utf8'));
    assert.equal(json.format, 'layers-model');
    assert.equal(json.generatedBy, `TensorFlow.js tfjs-layers v${tf.version.tfjs}`);
    assert.equal(json.convertedBy, null);
    assert.equal(json.modelTopology.class_name, 'Sequential');
    assert.equal(json.weightsManifest.length, 1);
    assert.deepEqual(json.weightsManifest[0].paths, ['group1-shard1of1.bin']);
    const specs: Array<{ name: string; shape: number[]; dtype: string }> = json.weightsManifest[0].weights;
    assert.deepEqual(
      specs.map((s) => [s.shape, s.dtype]),
      [[[4, 8], 'float32'], [[8], 'float32'], [[8, 1], 'float32'], [[1], 'float32']],
    );
    // 4·8 + 8 + 8·1 + 1 = 49 float32 weights.
    assert.equal((await stat(join(dir, 'model', 'group1-shard1of1.bin'))).size, 49 * 4);
  });

  it('weight file bytes are the model weights, in manifest order', async () => {
    const bytes = await readFile(join(dir, 'model', 'group1-shard1of1.bin'));
    const saved = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const expected = model.getWeights().flatMap((w) => Array.from(w.dataSync()));
    assert.deepEqual(Array.from(saved), expected);
  });

  it('returns the tfjs flavor block, no python_function, and the npm package it needs', async () => {
    await tf.ready();
    assert.deepEqual(result.flavors, {
      tfjs: { data: 'model', format: 'layers-model', tfjs_version: tf.version.tfjs, backend: tf.getBackend() },
    });
    assert.equal(tf.getBackend(), 'cpu');
    assert.deepEqual(result.nodePackages, { '@tensorflow/tfjs': '4.22.0' });
    assert.deepEqual(result.pythonRequirements, []);
  });

  it('infers a tensor signature from the model inputs and outputs (null dims become -1)', () => {
    assert.deepEqual(result.signature, {
      inputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: model.inputNames[0], tensorSpec: { dtype: 'float32', shape: [-1, 4] } }] },
      outputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: model.outputNames[0], tensorSpec: { dtype: 'float32', shape: [-1, 1] } }] },
    });
    assert.match(model.inputNames[0]!, /_input$/);
  });

  it('names the specs of a Sequential that was never built (not compiled, fitted or run)', async () => {
    const fresh = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'only' })] });
    assert.deepEqual(fresh.inputNames, [], 'TF.js fills inputNames only on build');
    const d = await tempDir();
    try {
      const r = await tfjsFlavor.save(fresh, d, {});
      const inputs = r.signature?.inputs.inputs as Array<{ name?: string }>;
      const outputs = r.signature?.outputs?.inputs as Array<{ name?: string }>;
      assert.deepEqual(inputs.map((s) => s.name), ['only_input']);
      assert.deepEqual(outputs.map((s) => s.name), ['only']);
    } finally {
      fresh.dispose();
      await removeDir(d);
    }
  });

  it('keeps a signature the caller gave', async () => {
    const given = { inputs: { kind: 'tensor' as const, inputs: [{ type: 'tensor' as const, name: 'x', tensorSpec: { dtype: 'float32' as const, shape: [-1, 4] } }] } };
    const d = await tempDir();
    try {
      const r = await tfjsFlavor.save(model, d, { signature: given });
      assert.equal(r.signature, given);
    } finally {
      await removeDir(d);
    }
  });

  it('names a two-input model\'s specs after its input and output layers, with their dtypes', async () => {
    const fn = await trainedTwoInput();
    const d = await tempDir();
    try {
      const r = await tfjsFlavor.save(fn, d, {});
      assert.deepEqual(r.signature, {
        inputs: {
          kind: 'tensor',
          inputs: [
            { type: 'tensor', name: 'features', tensorSpec: { dtype: 'float32', shape: [-1, 3] } },
            { type: 'tensor', name: 'counts', tensorSpec: { dtype: 'int32', shape: [-1, 2] } },
          ],
        },
        outputs: {
          kind: 'tensor',
          inputs: [
            { type: 'tensor', name: 'score', tensorSpec: { dtype: 'float32', shape: [-1, 1] } },
            { type: 'tensor', name: 'probs', tensorSpec: { dtype: 'float32', shape: [-1, 2] } },
          ],
        },
      });
    } finally {
      fn.dispose();
      await removeDir(d);
    }
  });

  it('saves the optimizer state when flavorOptions.includeOptimizer is true', async () => {
    const d = await tempDir();
    try {
      await tfjsFlavor.save(model, d, { flavorOptions: { includeOptimizer: true } });
      const json = JSON.parse(await readFile(join(d, 'model', 'model.json'), 'utf8'));
      const groups: Array<{ weights: Array<{ name: string; group?: string }> }> = json.weightsManifest;
      assert.ok(groups[0]!.weights.some((w) => w.group === 'optimizer'), 'optimizer weights in the manifest');
      assert.ok(json.trainingConfig, 'trainingConfig written');
    } finally {
      await removeDir(d);
    }
  });

  it('refuses a model that is not a LayersModel', async () => {
    await assert.rejects(tfjsFlavor.save({}, dir, {}), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
  });
});
