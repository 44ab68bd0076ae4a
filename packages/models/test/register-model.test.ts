import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { InvalidArgumentError, NotFoundError, RunlogClient } from '@runlog/core';
import {
  loadModel,
  logModel,
  registerFlavor,
  registerModel,
  resolveRegistryUri,
  type ModelSignature,
} from '../src/index.js';
import { tensorSpec } from '../src/internal.js';
import { EchoModel, echoFlavor } from './support/echo-flavor.js';

const signature: ModelSignature = { inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 2], 'x')] } };

describe('registerModel and registry URIs on the local store', () => {
  let dir: string;
  let client: RunlogClient;
  let runId: string;
  const unregister: Array<() => void> = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-register-model-'));
    client = new RunlogClient({ trackingUri: join(dir, 'mlruns'), env: {} });
    runId = (await client.createRun(await client.createExperiment('reg'))).info.runId;
  });
  afterEach(() => {
    for (const u of unregister.splice(0)) u();
  });
  after(async () => {
    await client.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('logModel({ registeredModelName }) creates the model and version 1 from the LoggedModel (models:/<id>)', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    const info = await logModel(new EchoModel(['x'], signature), { name: 'model', client, runId, registeredModelName: 'echo' });
    assert.equal(info.registeredModelVersion, '1');
    const mv = await client.getModelVersion('echo', 1);
    const artifacts = pathToFileURL(join(dir, 'mlruns')).href;
    assert.equal(mv.source, `models:/${info.modelId}`);
    assert.equal(mv.runId, runId);
    assert.equal(mv.modelId, info.modelId);
    const expId = (await client.getRun(runId)).info.experimentId;
    assert.equal(await client.getModelVersionDownloadUri('echo', 1), `${artifacts}/${expId}/models/${info.modelId}/artifacts`);
  });

  it('registerModel(runs:/<run>/<name>) prefers the run artifacts, else the run\'s logged model of that name (issue #13)', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    // 'model' has no run artifacts, only a LoggedModel: the version points at the LoggedModel.
    const fromLogged = await registerModel(`runs:/${runId}/model`, 'order', { client });
    const lm = (await client.searchLoggedModels({ experimentIds: [(await client.getRun(runId)).info.experimentId], filter: "name = 'model'" })).items[0]!;
    assert.equal(fromLogged.source, `models:/${lm.modelId}`);
    assert.equal(fromLogged.modelId, lm.modelId);
    // A run artifact folder named like a logged model wins, as in MLflow.
    const saved = join(dir, 'saved');
    const { saveModel } = await import('../src/index.js');
    await saveModel(new EchoModel(['x'], signature), saved);
    await client.logArtifacts(runId, saved, 'model');
    const fromArtifacts = await registerModel(`runs:/${runId}/model`, 'order', { client });
    assert.match(fromArtifacts.source, new RegExp(`/${runId}/artifacts/model$`));
    assert.equal(fromArtifacts.modelId, undefined);
  });

  it('registerModel adds versions to an existing model; loadModel resolves version, alias, stage and latest', async () => {
    unregister.push(registerFlavor(echoFlavor()));
    const v2 = await registerModel(`runs:/${runId}/model`, 'echo', { client, tags: { origin: 'test' } });
    assert.equal(v2.version, '2');
    assert.deepEqual(v2.tags, { origin: 'test' });
    await client.setRegisteredModelAlias('echo', 'champion', 1);
    await client.transitionModelVersionStage('echo', 2, 'Production');
    for (const [uri, version] of [
      ['models:/echo/1', '1'],
      ['models:/echo@champion', '1'],
      ['models:/echo/production', '2'],
      ['models:/echo/latest', '2'],
    ] as const) {
      assert.equal((await resolveRegistryUri(uri, client)).version, version, uri);
      const model = await loadModel(uri, { client });
      assert.deepEqual(await model.predict({ x: [[1, 2]] }), { out_x: [[1, 2]] }, uri);
      await model.dispose();
    }
  });

  it('fails clearly for an unknown model, alias, stage without versions, bad stage, and a run without MLmodel', async () => {
    await assert.rejects(loadModel('models:/nope/1', { client }), NotFoundError);
    await assert.rejects(loadModel('models:/echo@missing', { client }), NotFoundError);
    await assert.rejects(loadModel('models:/echo/Staging', { client }), NotFoundError);
    await assert.rejects(loadModel('models:/echo/Prod', { client }), InvalidArgumentError);
    await assert.rejects(registerModel(`runs:/${runId}/not-there`, 'echo', { client }), NotFoundError);
  });
});
