import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, afterEach, describe, it } from 'node:test';
import { InvalidArgumentError, NoActiveRunError, RunlogClient } from '@runlog/core';
import { FileStore, defaultRunTags } from '@runlog/core/internal';
import { loadModel, logModel, registerFlavor, type ModelSignature } from '../src/index.js';
import { mlmodelFromYaml, tensorSpec } from '../src/internal.js';
import { EchoModel, echoFlavor } from './support/echo-flavor.js';

const dirs: string[] = [];
const clients: RunlogClient[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runlog-log-model-test-'));
  dirs.push(d);
  return d;
}
const unregister: Array<() => void> = [];
after(async () => {
  for (const c of clients) await c.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const contextTag = (key: string) => defaultRunTags().find((t) => t.key === key)?.value;

const signature: ModelSignature = { inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 2], 'x')] } };

/**
 * A stand-in for an MLflow 3 tracking server behind RunlogClient's LoggedModel methods: it records
 * the calls and keeps uploaded artifacts in a local directory.
 */
function fakeMlflow3Client(root: string, opts: { failUpload?: boolean } = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const artifactUri = 'mlflow-artifacts:/1/models/m-0123abcd/artifacts';
  const client = {
    calls,
    /** The server answers: nothing is staged. */
    stagesArtifactsFor() {
      return false;
    },
    async supportsLoggedModels() {
      return true;
    },
    async getRun(runId: string) {
      calls.push(['getRun', runId]);
      return { info: { runId, experimentId: '1' }, data: { params: { lr: '0.1' }, tags: {}, metrics: {} } };
    },
    async createLoggedModel(experimentId: string, o: unknown) {
      calls.push(['createLoggedModel', experimentId, o]);
      return { modelId: 'm-0123abcd', experimentId, name: 'model', artifactUri, status: 'LOGGED_MODEL_PENDING', tags: {}, params: {} };
    },
    async logModelOutputs(runId: string, models: unknown) {
      calls.push(['logModelOutputs', runId, models]);
    },
    async uploadToArtifactUri(uri: string, localDir: string) {
      calls.push(['uploadToArtifactUri', uri]);
      if (opts.failUpload) throw new Error('upload refused');
      await cp(localDir, join(root, 'm-0123abcd'), { recursive: true });
    },
    async finalizeLoggedModel(modelId: string, status: string) {
      calls.push(['finalizeLoggedModel', modelId, status]);
      return {};
    },
    async getLoggedModel(modelId: string) {
      calls.push(['getLoggedModel', modelId]);
      return { modelId, experimentId: '1', name: 'model', artifactUri, status: 'LOGGED_MODEL_READY', tags: {}, params: {} };
    },
    async downloadFromArtifactUri(uri: string, relPath: string, dst: string) {
      calls.push(['downloadFromArtifactUri', uri, relPath]);
      await cp(join(root, 'm-0123abcd'), dst, { recursive: true });
      return dst;
    },
  };
  return client;
}

describe('logModel', () => {
  afterEach(() => {
    for (const u of unregister.splice(0)) u();
  });

  it('on an MLflow 3 store: creates a LoggedModel, links it to the run, uploads, finalizes READY; loads back by models:/', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    const server = await tempDir();
    const fake = fakeMlflow3Client(server);
    const client = fake as unknown as RunlogClient;
    const info = await logModel(new EchoModel(['x'], signature), { name: 'model', client, runId: 'run1', tags: { stage: 'dev' } });
    assert.equal(info.modelId, 'm-0123abcd');
    assert.equal(info.modelUri, 'models:/m-0123abcd');
    assert.equal(info.artifactPath, 'mlflow-artifacts:/1/models/m-0123abcd/artifacts');
    assert.deepEqual(
      fake.calls.map((c) => c[0]),
      ['getRun', 'createLoggedModel', 'logModelOutputs', 'uploadToArtifactUri', 'finalizeLoggedModel'],
    );
    const { tags, ...created } = fake.calls[1]![2] as { tags: Record<string, string> };
    assert.deepEqual(created, { name: 'model', sourceRunId: 'run1', modelType: undefined, params: { lr: '0.1' } });
    // Python's log_model tags: the run context (user, source) and the caller's.
    assert.equal(tags.stage, 'dev');
    assert.equal(tags['mlflow.source.type'], 'LOCAL');
    assert.equal(tags['mlflow.user'], contextTag('mlflow.user'));
    assert.equal(tags['mlflow.source.name'], process.argv[1] ? resolve(process.argv[1]) : '<node>');
    assert.deepEqual(fake.calls[2], ['logModelOutputs', 'run1', [{ modelId: 'm-0123abcd', step: 0 }]]);
    assert.deepEqual(fake.calls[4], ['finalizeLoggedModel', 'm-0123abcd', 'LOGGED_MODEL_READY']);
    const uploaded = mlmodelFromYaml(await readFile(join(server, 'm-0123abcd', 'MLmodel'), 'utf8'));
    assert.equal(uploaded.artifactPath, 'mlflow-artifacts:/1/models/m-0123abcd/artifacts');
    assert.equal(uploaded.modelId, 'm-0123abcd');
    assert.equal(uploaded.modelUuid, 'm-0123abcd');
    assert.equal(uploaded.runId, 'run1');

    const model = await loadModel(info.modelUri, { client });
    assert.deepEqual(await model.predict([[1, 2]]), { out_x: [[1, 2]] });
    await model.dispose();
    assert.deepEqual(fake.calls.slice(-2).map((c) => c[0]), ['getLoggedModel', 'downloadFromArtifactUri']);
  });

  it('finalizes LOGGED_MODEL_UPLOAD_FAILED and rethrows when the upload fails', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    const fake = fakeMlflow3Client(await tempDir(), { failUpload: true });
    await assert.rejects(logModel(new EchoModel(), { name: 'model', client: fake as unknown as RunlogClient, runId: 'run1' }), /upload refused/);
    assert.deepEqual(fake.calls.at(-1), ['finalizeLoggedModel', 'm-0123abcd', 'LOGGED_MODEL_UPLOAD_FAILED']);
  });

  it('on the local store: creates a LoggedModel under <experiment>/models/<id> with the run as output; loads by models:/ and runs:/', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    const root = join(await tempDir(), 'mlruns');
    const client = new RunlogClient({ trackingUri: root });
    clients.push(client);
    const expId = await client.createExperiment('models');
    const run = await client.createRun(expId);
    const runId = run.info.runId;
    client.logParam(runId, 'lr', 0.1);
    const info = await logModel(new EchoModel(['x'], signature), { name: 'model', client, runId, tags: { stage: 'dev' } });
    assert.match(info.modelId ?? '', /^m-[0-9a-f]{32}$/);
    assert.equal(info.modelUri, `models:/${info.modelId}`);
    const modelDir = join(root, expId, 'models', info.modelId!);
    assert.equal(info.artifactPath, pathToFileURL(join(modelDir, 'artifacts')).href);
    const mlmodel = mlmodelFromYaml(await readFile(join(modelDir, 'artifacts', 'MLmodel'), 'utf8'));
    assert.equal(mlmodel.modelId, info.modelId);
    assert.equal(mlmodel.runId, runId);

    const lm = await client.getLoggedModel(info.modelId!);
    assert.equal(lm.status, 'LOGGED_MODEL_READY');
    assert.equal(lm.sourceRunId, runId);
    assert.deepEqual(lm.params, { lr: '0.1' });
    assert.equal(lm.tags.stage, 'dev');
    assert.equal(lm.tags['mlflow.user'], contextTag('mlflow.user'));
    assert.deepEqual((await client.getRun(runId)).outputs, { modelOutputs: [{ modelId: info.modelId, step: 0 }] });
    assert.equal((await client.getRun(runId)).data.tags['mlflow.log-model.history'], undefined, 'MLflow 3 keeps no history tag');

    for (const uri of [info.modelUri, `runs:/${runId}/model`]) {
      const model = await loadModel(uri, { client });
      assert.deepEqual(await model.predict({ x: [[0.5, 1.5]] }), { out_x: [[0.5, 1.5]] }, uri);
      await model.dispose();
    }
  });

  it('without LoggedModels (an MLflow 2 server): logs run artifacts, appends mlflow.log-model.history, and loads back by runs:/', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    const store = new FileStore(join(await tempDir(), 'mlruns'));
    store.supportsLoggedModels = async () => false;
    const client = new RunlogClient({ store });
    clients.push(client);
    const expId = await client.createExperiment('models');
    const run = await client.createRun(expId);
    const runId = run.info.runId;
    const first = await logModel(new EchoModel(['x'], signature), { name: 'model', client, runId });
    await logModel(new EchoModel(['x'], signature), { name: 'model2', client, runId });
    assert.equal(first.modelUri, `runs:/${runId}/model`);
    assert.equal(first.modelId, undefined);
    assert.equal(first.artifactPath, 'model');
    assert.equal(first.mlmodel.runId, runId);

    const history = JSON.parse((await client.getRun(runId)).data.tags['mlflow.log-model.history']!) as Array<Record<string, unknown>>;
    assert.deepEqual(history.map((h) => h.artifact_path), ['model', 'model2']);
    assert.deepEqual(Object.keys(history[0]!), ['run_id', 'artifact_path', 'utc_time_created', 'model_uuid', 'flavors']);
    assert.deepEqual(history[0]!.flavors, { echo: { data: 'echo.json', echo_version: '1.0.0' } });

    const model = await loadModel(first.modelUri, { client });
    assert.equal(model.mlmodel.artifactPath, 'model');
    assert.deepEqual(await model.predict({ x: [[0.5, 1.5]] }), { out_x: [[0.5, 1.5]] });
    const path = model.path;
    await model.dispose();
    await assert.rejects(readFile(join(path, 'MLmodel')), { code: 'ENOENT' }); // the download is removed
  });

  it('needs a run: NoActiveRunError without runId or an active run', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    await assert.rejects(logModel(new EchoModel(), { name: 'model' }), NoActiveRunError);
  });

  it('refuses a bad registeredModelName before logging anything, and an empty name', async () => {
    const fake = fakeMlflow3Client(await tempDir());
    await assert.rejects(
      logModel(new EchoModel(), { name: 'model', runId: 'r', registeredModelName: 'a/b', client: fake as unknown as RunlogClient }),
      (err: Error) => err instanceof InvalidArgumentError && /a\/b/.test(err.message),
    );
    assert.deepEqual(fake.calls, [], 'nothing was logged');
    await assert.rejects(logModel(new EchoModel(), { name: '', runId: 'r' }), InvalidArgumentError);
  });
});
