import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DATASET_CONTEXT_TAG, getRun, type Run } from '@runlog/core';
import { datasetFromArrays } from '@runlog/models';
import { datasetFromTensor, datasetFromTfDataset, tfjsAutologPlugin } from '../src/index.js';
import { compiledModel, data, newRuns, allRuns, tf, trackingPerSuite } from './autolog-support.js';

// Expected digests were computed by Python (mlflow.data.digest_utils with numpy/pandas) for the same
// values: from_numpy of float32 [[1.5,2,3],[4,5,6]], and the tf.data.Dataset digest (each element's
// tensors flattened by sorted key and concatenated, numpy's dtype promotion) for the datasets below.

const contexts = (run: Run) =>
  Object.fromEntries((run.inputs?.datasetInputs ?? []).map((i) => [i.tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value, i.dataset]));

describe('datasets of TF.js tensors', () => {
  it("gives a tensor Python's from_numpy digest, the tensor spec, and TensorFlow's cardinality profile", () => {
    const x = tf.tensor2d([[1.5, 2, 3], [4, 5, 6]], [2, 3], 'float32');
    try {
      const d = datasetFromTensor(x, { name: 'x' });
      assert.equal(d.digest, '6baedf70');
      assert.equal(d.digest, datasetFromArrays({ values: new Float32Array([1.5, 2, 3, 4, 5, 6]), shape: [2, 3] }).digest);
      assert.equal(d.profile, '{"features_cardinality": 6}');
      assert.match(d.schema!, /float32.*\[-1, 3\]/);
      const y = tf.tensor1d([1, 0], 'int32');
      assert.equal(JSON.parse(datasetFromTensor(x, { targets: y }).profile!).targets_cardinality, 2);
      y.dispose();
    } finally {
      x.dispose();
    }
  });

  it("gives a tf.data.Dataset Python's digest (dtypes joined as numpy joins them), and leaves the user's tensors alive", async () => {
    const xs = tf.tensor2d([[1.5, 2, 3], [4, 5, 6], [7, 8, 9]], [3, 3], 'float32');
    const ys = tf.tensor2d([[1], [0], [1]], [3, 1], 'int32');
    try {
      const batches = tf.data.zip({ xs: tf.data.array(xs.unstack()), ys: tf.data.array(ys.unstack()) }).batch(2);
      const d = await datasetFromTfDataset(batches as never);
      assert.equal(d.digest, 'aed621a1');
      assert.equal(d.profile, '{"features_cardinality": 2}');
      assert.match(d.schema!, /\\"name\\": \\"xs\\"/);
      assert.equal((await datasetFromTfDataset(batches as never)).digest, 'aed621a1', 'stable across reads');
      const rows = tf.data.array(xs.unstack());
      assert.equal((await datasetFromTfDataset(rows)).digest, '1c1c2091');
      assert.deepEqual(Array.from(xs.dataSync()).slice(0, 2), [1.5, 2], 'the source tensors are not disposed');
    } finally {
      xs.dispose();
      ys.dispose();
    }
  });

  it('changes the digest when a value changes', () => {
    const a = tf.tensor1d([1, 2, 3]);
    const b = tf.tensor1d([1, 2, 4]);
    assert.notEqual(datasetFromTensor(a).digest, datasetFromTensor(b).digest);
    a.dispose();
    b.dispose();
  });
});

describe('tfjs autolog logs the training and validation data as dataset inputs', () => {
  trackingPerSuite();

  it("fit with validationData: 'train' is x with y as targets, 'eval' the validation tensors", async () => {
    tfjsAutologPlugin.enable({});
    const before = (await allRuns()).map((r) => r.info.runId);
    const { xs, ys } = data(40);
    const val = data(10);
    await compiledModel().fit(xs, ys, { epochs: 1, batchSize: 20, validationData: [val.xs, val.ys], verbose: 0 });
    const [run] = await newRuns(before);
    const got = contexts(await getRun(run!.info.runId));
    assert.deepEqual(Object.keys(got).sort(), ['eval', 'train']);
    assert.equal(got['train']!.digest, datasetFromTensor(xs, { targets: ys }).digest);
    assert.equal(got['eval']!.digest, datasetFromTensor(val.xs, { targets: val.ys }).digest);
    assert.equal(got['train']!.sourceType, 'code');
    assert.equal(got['train']!.name, 'dataset');
    tf.dispose([xs, ys, val.xs, val.ys]);
  });

  it("fit with validationSplit: 'eval' is the rows TF.js holds out", async () => {
    tfjsAutologPlugin.enable({});
    const before = (await allRuns()).map((r) => r.info.runId);
    const { xs, ys } = data(40);
    await compiledModel().fit(xs, ys, { epochs: 1, validationSplit: 0.25, verbose: 0 });
    const [run] = await newRuns(before);
    const got = contexts(await getRun(run!.info.runId));
    const tail = (t: tf.Tensor) => t.slice([30, 0], [10, t.shape[1]!]);
    const [tx, ty] = [tail(xs), tail(ys)];
    assert.equal(got['eval']!.digest, datasetFromTensor(tx, { targets: ty }).digest);
    assert.equal(JSON.parse(got['eval']!.profile!).features_cardinality, 40);
    tf.dispose([xs, ys, tx, ty]);
  });

  it("fitDataset: 'train' is the dataset, 'eval' its validationData; logDatasets: false logs none", async () => {
    tfjsAutologPlugin.enable({});
    const before = (await allRuns()).map((r) => r.info.runId);
    const { xs, ys } = data(40);
    const ds = tf.data.zip({ xs: tf.data.array(xs.unstack()), ys: tf.data.array(ys.unstack()) }).batch(10);
    const valDs = tf.data.zip({ xs: tf.data.array(xs.unstack().slice(0, 10)), ys: tf.data.array(ys.unstack().slice(0, 10)) }).batch(5);
    await compiledModel().fitDataset(ds as never, { epochs: 1, validationData: valDs as never, verbose: 0 });
    const [run] = await newRuns(before);
    const got = contexts(await getRun(run!.info.runId));
    assert.equal(got['train']!.digest, (await datasetFromTfDataset(ds as never)).digest);
    assert.equal(got['eval']!.digest, (await datasetFromTfDataset(valDs as never)).digest);

    tfjsAutologPlugin.enable({ logDatasets: false });
    const before2 = (await allRuns()).map((r) => r.info.runId);
    await compiledModel().fit(xs, ys, { epochs: 1, verbose: 0 });
    const [run2] = await newRuns(before2);
    assert.deepEqual((await getRun(run2!.info.runId)).inputs, { datasetInputs: [] });
    tf.dispose([xs, ys]);
  });
});
