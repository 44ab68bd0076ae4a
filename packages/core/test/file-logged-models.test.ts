import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { lastLoggedModelId } from '../src/client-logged-models.js';
import { InvalidArgumentError, InvalidFilterError, NotFoundError } from '../src/errors.js';
import { FileStore } from '../src/stores/file-store.js';

// The layout below is what MLflow 3.18's FileStore wrote for `mlflow.sklearn.log_model(..., name='model')`
// followed by `mlflow.log_metric('acc2', 0.7, step=3, model_id=...)` (issue #13).

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-logged-models-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
function freshStore(): { store: FileStore; root: string } {
  const root = join(tmp, `s${++counter}`, 'mlruns');
  let t = 1_700_000_000_000;
  return { store: new FileStore(root, { now: () => ++t }), root };
}

async function runIn(store: FileStore): Promise<string> {
  const run = await store.createRun({ experimentId: '0', startTime: 1_700_000_000_000, tags: [] });
  return run.runId;
}

describe('FileStore LoggedModels (MLflow 3.18 layout)', () => {
  it('writes meta.yaml, params and tags under <experiment>/models/<model_id>, as MLflow does', async () => {
    const { store, root } = freshStore();
    const runId = await runIn(store);
    assert.equal(await store.supportsLoggedModels(), true);
    const m = await store.createLoggedModel('0', { name: 'model', sourceRunId: runId, params: { lr: '0.1' }, tags: { 'mlflow.user': 'ann' } });
    assert.match(m.modelId, /^m-[0-9a-f]{32}$/);
    const dir = join(root, '0', 'models', m.modelId);
    assert.equal(m.artifactUri, `file://${dir}/artifacts`);
    assert.equal(m.status, 'LOGGED_MODEL_PENDING');
    assert.equal(
      await readFile(join(dir, 'meta.yaml'), 'utf8'),
      `artifact_location: file://${dir}/artifacts\n` +
        `creation_timestamp: ${m.creationTimestampMs}\n` +
        "experiment_id: '0'\n" +
        `last_updated_timestamp: ${m.creationTimestampMs}\n` +
        'lifecycle_stage: active\n' +
        `model_id: ${m.modelId}\n` +
        'model_type: null\n' +
        'name: model\n' +
        `source_run_id: ${runId}\n` +
        'status: 1\n' +
        'status_message: null\n',
    );
    assert.equal(await readFile(join(dir, 'params', 'lr'), 'utf8'), '0.1');
    assert.equal(await readFile(join(dir, 'tags', 'mlflow.user'), 'utf8'), 'ann');
    assert.deepEqual((await readdir(dir)).sort(), ['meta.yaml', 'metrics', 'params', 'tags']);

    const ready = await store.finalizeLoggedModel(m.modelId, 'LOGGED_MODEL_READY');
    assert.equal(ready.status, 'LOGGED_MODEL_READY');
    const meta = await readFile(join(dir, 'meta.yaml'), 'utf8');
    assert.match(meta, /^status: 2$/m);
    // MLflow's finalize rewrites meta.yaml without lifecycle_stage.
    assert.doesNotMatch(meta, /lifecycle_stage/);
    assert.deepEqual((await store.getLoggedModel(m.modelId)).params, { lr: '0.1' });
  });

  it('links a model to its run under outputs/<model_id> and reports it as the run output', async () => {
    const { store, root } = freshStore();
    const runId = await runIn(store);
    const m = await store.createLoggedModel('0', { name: 'model', sourceRunId: runId });
    await store.logModelOutputs(runId, [{ modelId: m.modelId, step: 0 }]);
    assert.equal(
      await readFile(join(root, '0', runId, 'outputs', m.modelId, 'meta.yaml'), 'utf8'),
      `destination_id: ${m.modelId}\ndestination_type: MODEL_OUTPUT\nsource_id: ${m.modelId}\nsource_type: RUN_OUTPUT\nstep: 0\ntags: {}\n`,
    );
    assert.deepEqual((await store.getRun(runId)).outputs, { modelOutputs: [{ modelId: m.modelId, step: 0 }] });
  });

  it('writes a metric with a modelId to the run and to the model, with run id and dataset', async () => {
    const { store, root } = freshStore();
    const runId = await runIn(store);
    const m = await store.createLoggedModel('0', { name: 'model', sourceRunId: runId });
    await store.logBatch(runId, {
      metrics: [
        { key: 'acc', value: 0.5, timestamp: 1000, step: 0, modelId: m.modelId },
        { key: 'acc', value: 0.75, timestamp: 1001, step: 1, modelId: m.modelId, datasetName: 'val', datasetDigest: 'abc123' },
        { key: 'loss', value: 1, timestamp: 1002, step: 0 },
      ],
      params: [],
      tags: [],
    });
    assert.equal(await readFile(join(root, '0', runId, 'metrics', 'acc'), 'utf8'), '1000 0.5 0\n1001 0.75 1 val abc123\n');
    assert.equal(
      await readFile(join(root, '0', 'models', m.modelId, 'metrics', 'acc'), 'utf8'),
      `1000 0.5 0 ${runId}\n1001 0.75 1 ${runId} val abc123\n`,
    );
    const got = await store.getLoggedModel(m.modelId);
    // One latest point per (metric, dataset), as MLflow groups them.
    assert.deepEqual(
      got.metrics?.map((p) => [p.key, p.value, p.datasetName, p.runId]),
      [
        ['acc', 0.5, undefined, runId],
        ['acc', 0.75, 'val', runId],
      ],
    );
    await assert.rejects(
      store.logBatch(runId, { metrics: [{ key: 'x', value: 1, timestamp: 1, step: 0, modelId: 'm-nope' }], params: [], tags: [] }),
      NotFoundError,
    );
  });

  it('reads a model MLflow wrote (4- and 6-field metric lines, no lifecycle_stage)', async () => {
    const { store, root } = freshStore();
    await runIn(store);
    const id = 'm-1c3bc285e2804a6e988d2455a14c281e';
    const dir = join(root, '0', 'models', id);
    await mkdir(join(dir, 'metrics'), { recursive: true });
    await mkdir(join(dir, 'tags'), { recursive: true });
    await writeFile(
      join(dir, 'meta.yaml'),
      `artifact_location: file://${dir}/artifacts\ncreation_timestamp: 1796225558487\nexperiment_id: '0'\n` +
        `last_updated_timestamp: 1796225597460\nmodel_id: ${id}\nmodel_type: null\nname: model\n` +
        'source_run_id: c36cadd1f39d42288dcb047e4da73e69\nstatus: 2\nstatus_message: null\n',
    );
    await writeFile(join(dir, 'metrics', 'acc'), '1796225597482 0.5 0 c36cadd1f39d42288dcb047e4da73e69\n');
    await writeFile(join(dir, 'tags', 'mlflow.source.type'), 'LOCAL');
    const m = await store.getLoggedModel(id);
    assert.equal(m.status, 'LOGGED_MODEL_READY');
    assert.equal(m.sourceRunId, 'c36cadd1f39d42288dcb047e4da73e69');
    assert.equal(m.lastUpdatedTimestampMs, 1796225597460);
    assert.deepEqual(m.tags, { 'mlflow.source.type': 'LOCAL' });
    assert.equal(m.metrics?.[0]?.value, 0.5);
  });

  it('sets and deletes model tags; a missing tag or model is NotFoundError', async () => {
    const { store } = freshStore();
    const m = await store.createLoggedModel('0', { name: 'model' });
    await store.setLoggedModelTags(m.modelId, { stage: 'dev', 'a/b': 'c' });
    assert.deepEqual((await store.getLoggedModel(m.modelId)).tags, { stage: 'dev', 'a/b': 'c' });
    await store.deleteLoggedModelTag(m.modelId, 'stage');
    assert.deepEqual((await store.getLoggedModel(m.modelId)).tags, { 'a/b': 'c' });
    await assert.rejects(store.deleteLoggedModelTag(m.modelId, 'stage'), NotFoundError);
    await assert.rejects(store.getLoggedModel('m-00000000000000000000000000000000'), NotFoundError);
    await assert.rejects(store.getLoggedModel('../0'), InvalidArgumentError);
  });

  it('searches with MLflow filter and order by, newest first by default', async () => {
    const { store } = freshStore();
    const runId = await runIn(store);
    const a = await store.createLoggedModel('0', { name: 'a', sourceRunId: runId, params: { lr: '0.1' } });
    const b = await store.createLoggedModel('0', { name: 'b', sourceRunId: runId, modelType: 'agent' });
    const c = await store.createLoggedModel('0', { name: 'a' });
    await store.finalizeLoggedModel(b.modelId, 'LOGGED_MODEL_READY');
    await store.logBatch(runId, {
      metrics: [
        { key: 'acc', value: 0.9, timestamp: 10, step: 0, modelId: a.modelId },
        { key: 'acc', value: 0.7, timestamp: 11, step: 0, modelId: b.modelId },
      ],
      params: [],
      tags: [],
    });
    const ids = async (req: Parameters<FileStore['searchLoggedModels']>[0]) => (await store.searchLoggedModels(req)).items.map((m) => m.modelId);
    assert.deepEqual(await ids({ experimentIds: ['0'] }), [c.modelId, b.modelId, a.modelId]);
    assert.deepEqual(await ids({ experimentIds: ['0'], filter: "name = 'a'" }), [c.modelId, a.modelId]);
    assert.deepEqual(await ids({ experimentIds: ['0'], filter: `name = 'a' AND source_run_id = '${runId}'` }), [a.modelId]);
    assert.deepEqual(await ids({ experimentIds: ['0'], filter: "status = 'READY'" }), [b.modelId]);
    assert.deepEqual(await ids({ experimentIds: ['0'], filter: 'metrics.acc > 0.8' }), [a.modelId]);
    assert.deepEqual(await ids({ experimentIds: ['0'], filter: "params.lr = '0.1'" }), [a.modelId]);
    assert.deepEqual(await ids({ experimentIds: ['0'], orderBy: [{ fieldName: 'metrics.acc', ascending: true }] }), [b.modelId, a.modelId, c.modelId]);
    const page = await store.searchLoggedModels({ experimentIds: ['0'], maxResults: 2 });
    assert.equal(page.items.length, 2);
    assert.deepEqual(await ids({ experimentIds: ['0'], pageToken: page.nextPageToken }), [a.modelId]);
    await assert.rejects(store.searchLoggedModels({ experimentIds: ['0'], filter: 'run_id = 1' }), InvalidFilterError);
    await assert.rejects(store.searchLoggedModels({ experimentIds: ['0'], orderBy: [{ fieldName: 'params.lr' }] }), InvalidFilterError);
  });
});

describe('RunlogClient logged-model API on the local store', () => {
  it('logs a metric with modelId and dataset under the model; remembers the last model created', async () => {
    const { root } = freshStore();
    const client = new RunlogClient({ trackingUri: root });
    try {
      const run = await client.createRun('0');
      const m = await client.createLoggedModel('0', { name: 'model', sourceRunId: run.info.runId });
      assert.equal(lastLoggedModelId(), m.modelId);
      client.logMetric(run.info.runId, 'acc', 0.8, { step: 2, modelId: m.modelId, dataset: { name: 'val', digest: 'd1' } });
      client.logMetric(run.info.runId, 'loss', 0.1);
      await client.setTerminated(run.info.runId);
      const got = await client.getLoggedModel(m.modelId);
      assert.deepEqual(got.metrics?.map((p) => [p.key, p.value, p.step, p.datasetName, p.datasetDigest]), [['acc', 0.8, 2, 'val', 'd1']]);
      assert.equal((await client.getRun(run.info.runId)).data.metrics.acc, 0.8);
      await client.setLoggedModelTags(m.modelId, { n: 3 });
      const found = await client.searchLoggedModels({ experimentIds: ['0'], filter: "tags.n = '3'" });
      assert.deepEqual(found.items.map((x) => x.modelId), [m.modelId]);
      assert.throws(() => client.logMetric(run.info.runId, 'x', 1, { dataset: { name: 'has space', digest: 'd' } }), InvalidArgumentError);
    } finally {
      await client.close();
    }
  });
});
