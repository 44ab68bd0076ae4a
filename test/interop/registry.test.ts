// The Model Registry against real MLflow 3.18 (issue #6): everything runlog changes in a registry
// is what Python's MlflowClient reads, on an MLflow server and on a local ./mlruns file registry,
// and the reverse; models registered by runlog load by alias and stage, in runlog and in Python's
// pyfunc, with the same predictions. On the run's shared server, with names of this file's own.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AlreadyExistsError, InvalidArgumentError, MlflowServerError, NotFoundError, RunlogClient } from '@runlog/core';
import * as ort from 'onnxruntime-node';
import { loadModel, logModel, registerModel } from '@runlog/models';
import 'runlog'; // registers the onnx flavor
import { ensureMlflow, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();
// Every registered model and experiment name starts with this: the run's shared server holds other
// files' models too, and the searches below are held to this file's own.
const P = uniqueName('reg');

const LINEAR = fileURLToPath(new URL('../fixtures/onnx-linear.onnx', import.meta.url));
const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 0.25, 8],
];

/** What runlog does to a registry; the same calls on both stores. */
async function runlogScenario(c: RunlogClient): Promise<void> {
  await c.createRegisteredModel(`${P}-rl-model`, { tags: { team: 'ml' }, description: 'from runlog' });
  for (let i = 1; i <= 4; i++) await c.createModelVersion(`${P}-rl-model`, `s3://bucket/rl/${i}`, { tags: i === 1 ? { k: 'v' } : undefined, description: i === 1 ? 'first' : undefined });
  await c.setRegisteredModelAlias(`${P}-rl-model`, 'champion', 2);
  await c.setRegisteredModelAlias(`${P}-rl-model`, 'challenger', '3');
  await c.setRegisteredModelAlias(`${P}-rl-model`, 'doomed', 4);
  await c.deleteModelVersion(`${P}-rl-model`, 4);
  await c.transitionModelVersionStage(`${P}-rl-model`, 1, 'production');
  await c.transitionModelVersionStage(`${P}-rl-model`, 3, 'Production', true);
  await c.setModelVersionTag(`${P}-rl-model`, 2, 'validated', 'yes');
  await c.setModelVersionTag(`${P}-rl-model`, 1, 'gone', 'x');
  await c.deleteModelVersionTag(`${P}-rl-model`, 1, 'gone');
  await c.setRegisteredModelTag(`${P}-rl-model`, 'tmp', 'x');
  await c.deleteRegisteredModelTag(`${P}-rl-model`, 'tmp');
  await c.updateModelVersion(`${P}-rl-model`, 2, 'champion build');
  await c.updateRegisteredModel(`${P}-rl-model`, 'from runlog, updated');
  await c.createRegisteredModel(`${P}-rl-old`);
  await c.createModelVersion(`${P}-rl-old`, 's3://bucket/old/1');
  await c.renameRegisteredModel(`${P}-rl-old`, `${P}-rl-renamed`);
  await c.createRegisteredModel(`${P}-rl-gone`);
  await c.deleteRegisteredModel(`${P}-rl-gone`);
}

/** What Python's MlflowClient reads of runlogScenario. */
const EXPECTED_PY_VIEW = {
  description: 'from runlog, updated',
  tags: { team: 'ml' },
  aliases: { champion: '2', challenger: '3' },
  latest: [['1', 'Archived'], ['2', 'None'], ['3', 'Production']],
  versions: [
    ['1', 'Archived', 's3://bucket/rl/1', { k: 'v' }, 'first', []],
    ['2', 'None', 's3://bucket/rl/2', { validated: 'yes' }, 'champion build', ['champion']],
    ['3', 'Production', 's3://bucket/rl/3', {}, null, ['challenger']],
  ],
  by_alias: '2',
  v4: 'RESOURCE_DOES_NOT_EXIST',
  renamed: [['1', 's3://bucket/old/1']],
  old: 'RESOURCE_DOES_NOT_EXIST',
  gone: 'RESOURCE_DOES_NOT_EXIST',
  search: [`${P}-rl-model`, `${P}-rl-renamed`],
};

describe('model registry against real MLflow 3.18', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  let work: string;
  let mlruns: string;
  let rest: RunlogClient;
  let local: RunlogClient;
  let py: any;
  const runlogPredictions: Record<string, unknown> = {};

  before(async () => {
    server = await sharedMlflowServer(env!);
    work = await mkdtemp(join(tmpdir(), 'runlog-registry-interop-'));
    mlruns = join(work, 'mlruns');
    rest = new RunlogClient({ trackingUri: server.uri, env: {} });
    local = new RunlogClient({ trackingUri: mlruns, env: {} });
  });
  after(async () => {
    await rest?.close();
    await local?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('runlog → Python: every registry change runlog makes reads back identically in MlflowClient, on the server and on ./mlruns', async () => {
    for (const c of [rest, local]) {
      await runlogScenario(c);
      // An ONNX model logged and registered in one call (version 1), registered again (version 2).
      const run = await c.createRun(await c.createExperiment(`${P}-registry-interop`));
      const info = await logModel(LINEAR, { name: 'linear', client: c, runId: run.info.runId, registeredModelName: `${P}-onnx-reg` });
      assert.equal(info.registeredModelVersion, '1');
      const again = await registerModel(c === rest ? info.modelUri : `runs:/${run.info.runId}/linear`, `${P}-onnx-reg`, { client: c });
      assert.equal(again.version, '2');
      // From models:/<model_id>, the server stores the LoggedModel's artifact location (its SQL store keeps no model_id).
      if (c === rest) assert.equal(await c.getModelVersionDownloadUri(`${P}-onnx-reg`, 2), info.artifactPath);
      assert.equal(again.runId, run.info.runId);
      await c.setRegisteredModelAlias(`${P}-onnx-reg`, 'champion', 1);
      await c.transitionModelVersionStage(`${P}-onnx-reg`, 2, 'Production');
    }
    const fileUri = pathToFileURL(mlruns).href;
    py = await runPython(
      env!,
      `
import json, numpy as np, mlflow, mlflow.pyfunc
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
def code(f):
    try:
        f(); return 'exists'
    except MlflowException as e:
        return e.error_code
def read_runlog(c):
    m = c.get_registered_model('${P}-rl-model')
    return {
        'description': m.description, 'tags': m.tags, 'aliases': m.aliases,
        'latest': sorted([[str(v.version), v.current_stage] for v in m.latest_versions]),
        # The server's search leaves aliases out and sends '' for no description: read each version.
        'versions': sorted([[str(v.version), v.current_stage, v.source, v.tags, v.description or None, sorted(v.aliases)]
                            for v in (c.get_model_version('${P}-rl-model', s.version)
                                      for s in c.search_model_versions("name='${P}-rl-model'"))]),
        'by_alias': str(c.get_model_version_by_alias('${P}-rl-model', 'champion').version),
        'v4': code(lambda: c.get_model_version('${P}-rl-model', '4')),
        'renamed': [[str(v.version), v.source] for v in c.search_model_versions("name='${P}-rl-renamed'")],
        'old': code(lambda: c.get_registered_model('${P}-rl-old')),
        'gone': code(lambda: c.get_registered_model('${P}-rl-gone')),
        'search': sorted(m.name for m in c.search_registered_models("name LIKE '${P}-rl-%'")),
    }
def write_python(c):
    c.create_registered_model('${P}-py-model', tags={'owner': 'py'}, description='from python')
    for i in range(1, 5):
        c.create_model_version('${P}-py-model', f's3://bucket/py/{i}', tags={'k': 'v'} if i == 1 else None)
    c.set_registered_model_alias('${P}-py-model', 'champion', '2')
    c.transition_model_version_stage('${P}-py-model', '1', 'Staging')
    c.transition_model_version_stage('${P}-py-model', '3', 'Production')
    c.set_model_version_tag('${P}-py-model', '2', 'validated', 'true')
    c.delete_model_version('${P}-py-model', '4')
x = np.array(${JSON.stringify(X)}, dtype=np.float32)
out = {}
for label, uri in [('server', ${JSON.stringify(server.uri)}), ('file', ${JSON.stringify(fileUri)})]:
    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    out[label] = read_runlog(c)
    write_python(c)
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    out[label + '_pred'] = {u: mlflow.pyfunc.load_model(u).predict(x)['y'].tolist()
                            for u in ['models:/${P}-onnx-reg@champion', 'models:/${P}-onnx-reg/Production']}
    out[label + '_onnx_versions'] = sorted([str(v.version), v.run_id is not None] for v in c.search_model_versions("name='${P}-onnx-reg'"))
print(json.dumps(out))
`,
      { timeoutMs: 180_000 },
    );
    assert.deepEqual(py.server, EXPECTED_PY_VIEW, 'server');
    assert.deepEqual(py.file, EXPECTED_PY_VIEW, 'file registry');
    for (const label of ['server', 'file']) assert.deepEqual(py[`${label}_onnx_versions`], [['1', true], ['2', true]], label);
  });

  it('Python → runlog: what MlflowClient creates, aliases, transitions and deletes reads back in runlog on both stores', async () => {
    assert.ok(py, 'the previous test ran Python');
    for (const [label, c] of [['server', rest], ['file', local]] as const) {
      const m = await c.getRegisteredModel(`${P}-py-model`);
      assert.equal(m.description, 'from python', label);
      assert.deepEqual(m.tags, { owner: 'py' }, label);
      assert.deepEqual(m.aliases, { champion: '2' }, label);
      assert.deepEqual(m.latestVersions.map((v) => [v.version, v.currentStage]).sort(), [['1', 'Staging'], ['2', 'None'], ['3', 'Production']], label);
      const champ = await c.getModelVersionByAlias(`${P}-py-model`, 'champion');
      assert.deepEqual([champ.version, champ.tags, champ.aliases, champ.source, champ.status], ['2', { validated: 'true' }, ['champion'], 's3://bucket/py/2', 'READY'], label);
      assert.deepEqual((await c.getLatestVersions(`${P}-py-model`, ['production'])).map((v) => v.version), ['3'], label);
      assert.deepEqual((await c.getModelVersion(`${P}-py-model`, 1)).tags, { k: 'v' }, label);
      await assert.rejects(c.getModelVersion(`${P}-py-model`, 4), NotFoundError, label);
      const versions = await c.searchModelVersions({ filter: `name = '${P}-py-model'`, orderBy: ['version_number ASC'] });
      assert.deepEqual(versions.items.map((v) => v.version), ['1', '2', '3'], label);
      assert.equal((await c.createModelVersion(`${P}-py-model`, 's3://bucket/py/5')).version, '5', `${label}: numbering continues after Python's deleted 4`);
    }
  });

  it('both stores answer the same searches and refuse the same bad calls with the same typed errors', async () => {
    // Every search is held to this file's names: the shared server has other files' models too.
    const queries = [
      { filter: `name LIKE '${P}-%-model'` },
      { filter: `name ILIKE '${P.toUpperCase()}-PY-%'` },
      { filter: `tags.team = 'ml' AND name LIKE '${P}-%'` },
      { filter: `name IN ('${P}-rl-renamed', '${P}-onnx-reg')`, orderBy: ['name DESC'] },
      { filter: `name LIKE '${P}-%'`, orderBy: ['name ASC'], maxResults: 2 },
    ];
    for (const q of queries) {
      const [a, b] = await Promise.all([rest.searchRegisteredModels(q), local.searchRegisteredModels(q)]);
      assert.deepEqual(a.items.map((m) => m.name), b.items.map((m) => m.name), JSON.stringify(q));
      assert.equal(a.nextPageToken === undefined, b.nextPageToken === undefined, JSON.stringify(q));
    }
    const versionQueries = [
      { filter: `name = '${P}-rl-model' AND version_number >= 2`, orderBy: ['version_number DESC'] },
      { filter: `source_path = 's3://bucket/py/3' AND name LIKE '${P}-%'` },
      { filter: `tags.validated = 'yes' AND name LIKE '${P}-%'` },
      { filter: `name = '${P}-py-model'`, orderBy: ['version_number ASC'] },
    ];
    for (const q of versionQueries) {
      const [a, b] = await Promise.all([rest.searchModelVersions(q), local.searchModelVersions(q)]);
      const ids = (r: typeof a) => r.items.map((v) => `${v.name}/${v.version}`);
      assert.deepEqual(ids(a), ids(b), JSON.stringify(q));
      assert.ok(a.items.length > 0, JSON.stringify(q));
    }
    for (const c of [rest, local]) {
      const dup = await c.createRegisteredModel(`${P}-rl-model`).catch((e: unknown) => e);
      assert.ok(dup instanceof AlreadyExistsError, String(dup));
      if (c === rest) assert.equal(((dup as Error).cause as MlflowServerError).errorCode, 'RESOURCE_ALREADY_EXISTS');
      await assert.rejects(c.getRegisteredModel(`${P}-nope`), NotFoundError);
      await assert.rejects(c.getModelVersionByAlias(`${P}-rl-model`, 'nope'), NotFoundError);
      await assert.rejects(c.setRegisteredModelAlias(`${P}-rl-model`, 'x', 99), NotFoundError);
      await assert.rejects(c.setRegisteredModelAlias(`${P}-rl-model`, 'v2', 1), InvalidArgumentError);
      await assert.rejects(c.transitionModelVersionStage(`${P}-rl-model`, 1, 'Archived', true), InvalidArgumentError);
    }
  });

  it('loadModel resolves models:/name@alias, /Production, /latest and /<version> to the models Python loads, with the same predictions', async () => {
    const bare = await ort.InferenceSession.create(LINEAR);
    const t = (await bare.run({ x: new ort.Tensor('float32', Float32Array.from(X.flat()), [2, 4]) })).y!;
    const bareY = Array.from({ length: 2 }, (_, r) => Array.from((t.data as Float32Array).slice(r * 3, r * 3 + 3), Number));
    await bare.release();
    for (const [label, c] of [['server', rest], ['file', local]] as const) {
      for (const uri of [`models:/${P}-onnx-reg@champion`, `models:/${P}-onnx-reg/Production`, `models:/${P}-onnx-reg/latest`, `models:/${P}-onnx-reg/1`]) {
        const m = await loadModel(uri, { client: c });
        runlogPredictions[`${label} ${uri}`] = (await m.predict(X)).y;
        await m.dispose();
        assert.deepEqual(runlogPredictions[`${label} ${uri}`], bareY, `${label} ${uri}`);
      }
      for (const uri of [`models:/${P}-onnx-reg@champion`, `models:/${P}-onnx-reg/Production`]) assert.deepEqual(py[`${label}_pred`][uri], bareY, `Python ${label} ${uri}`);
    }
  });
});
