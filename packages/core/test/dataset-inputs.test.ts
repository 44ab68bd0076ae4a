import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { DATASET_CONTEXT_TAG, type Dataset } from '../src/datasets/dataset-input.js';
import { InvalidArgumentError } from '../src/errors.js';
import { FileStore } from '../src/stores/file-store.js';
import { fileStoreDatasetId, fileStoreInputId } from '../src/stores/file-store-inputs.js';

// The expected bytes were written by MLflow 3.18's FileStore.log_inputs for the same dataset
// (mlflow.data.from_numpy of float32 [[1.5,2,3],[4,5,6]] with int64 targets [0,1], source 'data.csv').
const DATASET: Dataset = {
  name: 'train-np',
  digest: '8d613aaf',
  sourceType: 'local',
  source: '{"uri": "data.csv"}',
  schema:
    '{"mlflow_tensorspec": {"features": "[{\\"type\\": \\"tensor\\", \\"tensor-spec\\": {\\"dtype\\": \\"float32\\", \\"shape\\": [-1, 3]}}]", "targets": "[{\\"type\\": \\"tensor\\", \\"tensor-spec\\": {\\"dtype\\": \\"int64\\", \\"shape\\": [-1]}}]"}}',
  profile: '{"features_shape": [2, 3], "features_size": 6, "features_nbytes": 24, "targets_shape": [2], "targets_size": 2, "targets_nbytes": 16}',
};
const DATASET_ID = 'fb2d6dfa48ee93453df9c9b436a92ad7';
const DATASET_META =
  'digest: 8d613aaf\n' +
  'name: train-np\n' +
  `profile: '{"features_shape": [2, 3], "features_size": 6, "features_nbytes": 24, "targets_shape":\n` +
  `  [2], "targets_size": 2, "targets_nbytes": 16}'\n` +
  `schema: '{"mlflow_tensorspec": {"features": "[{\\"type\\": \\"tensor\\", \\"tensor-spec\\":\n` +
  `  {\\"dtype\\": \\"float32\\", \\"shape\\": [-1, 3]}}]", "targets": "[{\\"type\\": \\"tensor\\",\n` +
  `  \\"tensor-spec\\": {\\"dtype\\": \\"int64\\", \\"shape\\": [-1]}}]"}}'\n` +
  `source: '{"uri": "data.csv"}'\n` +
  'source_type: local\n';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-dataset-inputs-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});
let n = 0;
const freshRoot = () => join(tmp, `s${++n}`, 'mlruns');

describe('dataset inputs in the local store', () => {
  it("writes the dataset and the run's input link byte for byte as MLflow's FileStore", async () => {
    const root = freshRoot();
    const store = new FileStore(root);
    const run = await store.createRun({ experimentId: '0', startTime: 1_700_000_000_000, tags: [] });
    await store.logInputs(run.runId, [{ dataset: DATASET, tags: [{ key: 'k', value: 'v' }, { key: DATASET_CONTEXT_TAG, value: 'train' }] }]);
    assert.equal(await readFile(join(root, '0', 'datasets', DATASET_ID, 'meta.yaml'), 'utf8'), DATASET_META);
    const inputs = await readdir(join(root, '0', run.runId, 'inputs'));
    assert.equal(inputs.length, 1);
    assert.equal(
      await readFile(join(root, '0', run.runId, 'inputs', inputs[0]!, 'meta.yaml'), 'utf8'),
      `destination_id: ${DATASET_ID}\ndestination_type: RUN\nsource_id: ${DATASET_ID}\nsource_type: DATASET\ntags:\n  k: v\n  mlflow.data.context: train\n`,
    );
  });

  it('reads the inputs back on getRun and searchRuns, once per dataset even when logged twice', async () => {
    const root = freshRoot();
    const store = new FileStore(root);
    const run = await store.createRun({ experimentId: '0', startTime: 1_700_000_000_000, tags: [] });
    const bare: Dataset = { name: 'd', digest: 'abcd1234', sourceType: 'code', source: '{"tags": {}}' };
    await store.logInputs(run.runId, [{ dataset: bare, tags: [] }]);
    await store.logInputs(run.runId, [{ dataset: bare, tags: [{ key: DATASET_CONTEXT_TAG, value: 'eval' }] }]);
    await store.logInputs(run.runId, [{ dataset: DATASET, tags: [{ key: DATASET_CONTEXT_TAG, value: 'train' }] }]);
    const got = await store.getRun(run.runId);
    const byName = Object.fromEntries(got.inputs!.datasetInputs.map((i) => [i.dataset.name, i]));
    assert.deepEqual(Object.keys(byName).sort(), ['d', 'train-np']);
    assert.deepEqual(byName['train-np']!.dataset, DATASET);
    // A dataset without schema and profile reads back without them; the first input's tags stay.
    assert.deepEqual(byName['d'], { dataset: bare, tags: [] });
    const found = await store.searchRuns({ experimentIds: ['0'] });
    assert.equal(found.items[0]!.inputs!.datasetInputs.length, 2);
  });

  it('leaves out, with one warning, an input whose dataset is missing or whose file is damaged', async () => {
    const root = freshRoot();
    const store = new FileStore(root);
    const run = await store.createRun({ experimentId: '0', startTime: 1, tags: [] });
    const other: Dataset = { name: 'other', digest: '00000000', sourceType: 'code', source: '{}' };
    await store.logInputs(run.runId, [{ dataset: DATASET, tags: [] }, { dataset: other, tags: [] }]);
    await rm(join(root, '0', 'datasets', DATASET_ID), { recursive: true });
    const otherInput = fileStoreInputId(fileStoreDatasetId('other', '00000000'), run.runId);
    const warnings: string[] = [];
    const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      assert.deepEqual((await store.getRun(run.runId)).inputs!.datasetInputs.map((i) => i.dataset.name), ['other']);
      await writeFile(join(root, '0', run.runId, 'inputs', otherInput, 'meta.yaml'), 'tags: [unclosed\n');
      assert.deepEqual((await store.getRun(run.runId)).inputs, { datasetInputs: [] });
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(warnings.filter((w) => w.startsWith('RUNLOG_DATASET_MISSING')).length, 2, warnings.join('\n'));
  });

  it('gives a run without inputs an empty list', async () => {
    const store = new FileStore(freshRoot());
    const run = await store.createRun({ experimentId: '0', startTime: 1, tags: [] });
    assert.deepEqual((await store.getRun(run.runId)).inputs, { datasetInputs: [] });
  });
});

describe('logInput on the client', () => {
  it('puts the context in the mlflow.data.context input tag and sends only the entity\'s fields', async () => {
    const client = new RunlogClient({ trackingUri: freshRoot(), durability: 'memory' });
    try {
      const { runId } = (await client.createRun('0')).info;
      await client.logInput(runId, { ...DATASET, extra: [1, 2, 3] } as Dataset, { context: 'train', tags: { split: 'a' } });
      const got = await client.getRun(runId);
      // The local store keeps input tags as a YAML mapping with sorted keys (as MLflow's), read back in that order.
      assert.deepEqual(got.inputs!.datasetInputs, [{ dataset: DATASET, tags: [{ key: DATASET_CONTEXT_TAG, value: 'train' }, { key: 'split', value: 'a' }] }]);
    } finally {
      await client.close();
    }
  });

  it('refuses a malformed dataset or an over-long digest with InvalidArgumentError, writing nothing', async () => {
    const root = freshRoot();
    const client = new RunlogClient({ trackingUri: root, durability: 'memory' });
    try {
      const { runId } = (await client.createRun('0')).info;
      await assert.rejects(client.logInput(runId, { name: 'x' } as Dataset), InvalidArgumentError);
      await assert.rejects(client.logInput(runId, { ...DATASET, digest: 'f'.repeat(37) }), InvalidArgumentError);
      await assert.rejects(client.logInput(runId, DATASET, { tags: { k: 'v'.repeat(501) } }), InvalidArgumentError);
      assert.deepEqual((await client.getRun(runId)).inputs, { datasetInputs: [] });
    } finally {
      await client.close();
    }
  });
});
