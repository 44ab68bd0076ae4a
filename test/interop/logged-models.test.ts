// MLflow 3 LoggedModels on both stores against real MLflow 3.18 (issue #13, item 1): Python reads
// runlog's logged models (search_logged_models, run outputs, model metrics, register_model of
// runs:/<run>/model) from ./mlruns, after migrate-filestore, and from a server; runlog finds,
// loads and registers Python's logged models and its own through runs:/ and models:/ URIs.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunlogClient } from '@runlog/core';
import { loadModel, logModel, registerModel } from '@runlog/models';
import 'runlog'; // registers the onnx flavor
import { ensureMlflow, runMlflowCli, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();
const LINEAR = fileURLToPath(new URL('../fixtures/onnx-linear.onnx', import.meta.url));
const X = [[1, 2, 3, 4]];

/** Python logs an ONNX model (no libraries beyond the venv's onnx) and a metric linked to it. */
function pythonLogsModel(trackingUri: string, experiment: string): string {
  return `
import json, numpy as np, onnx, mlflow, mlflow.onnx
from onnx import helper, TensorProto
def build():
    w = helper.make_tensor('w', TensorProto.FLOAT, [4, 1], [1.0, 2.0, 3.0, 4.0])
    g = helper.make_graph([helper.make_node('MatMul', ['x', 'w'], ['out'])], 'g',
        [helper.make_tensor_value_info('x', TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info('out', TensorProto.FLOAT, [None, 1])], [w])
    return helper.make_model(g, opset_imports=[helper.make_opsetid('', 13)], ir_version=8)
mlflow.set_tracking_uri(${JSON.stringify(trackingUri)})
mlflow.set_experiment(${JSON.stringify(experiment)})
with mlflow.start_run() as run:
    info = mlflow.onnx.log_model(build(), name='model')
    mlflow.log_metric('py_acc', 0.5, model_id=info.model_id)
print(json.dumps({'run_id': run.info.run_id, 'model_id': info.model_id}))
`;
}

/** Python's view of a store's logged models, run outputs and a register_model of runs:/<run>/model. */
function pythonReads(trackingUri: string, expId: string, runId: string, registerAs: string | null): string {
  return `
import json, mlflow
from mlflow import MlflowClient
mlflow.set_tracking_uri(${JSON.stringify(trackingUri)})
ms = mlflow.search_logged_models(experiment_ids=[${JSON.stringify(expId)}], output_format='list')
out = {'models': [{'id': m.model_id, 'name': m.name, 'status': str(m.status), 'source_run_id': m.source_run_id,
                   'tags': m.tags, 'params': m.params,
                   'metrics': sorted([[x.key, x.value, x.step, x.dataset_name, x.dataset_digest, x.run_id] for x in (m.metrics or [])])}
                  for m in ms]}
out['filtered'] = [m.model_id for m in mlflow.search_logged_models(experiment_ids=[${JSON.stringify(expId)}],
    filter_string="name = 'model' AND metrics.acc > 0.8", output_format='list')]
run = MlflowClient().get_run(${JSON.stringify(runId)})
out['outputs'] = [[o.model_id, o.step] for o in run.outputs.model_outputs]
reg = ${registerAs === null ? 'None' : JSON.stringify(registerAs)}
if reg:
    mv = mlflow.register_model('runs:/${runId}/model', reg)
    out['mv'] = {'source': mv.source, 'model_id': mv.model_id, 'run_id': mv.run_id}
print(json.dumps(out))
`;
}

/** runlog logs the ONNX fixture as a LoggedModel, with a param and metrics linked to the model. */
async function runlogLogsModel(client: RunlogClient, experiment: string): Promise<{ expId: string; runId: string; modelId: string }> {
  const expId = await client.createExperiment(experiment);
  const run = await client.createRun(expId, { runName: 'node-model' });
  const runId = run.info.runId;
  client.logParam(runId, 'lr', 0.01);
  const info = await logModel(LINEAR, { name: 'model', client, runId, inputExample: X });
  client.logMetric(runId, 'acc', 0.9, { step: 1, modelId: info.modelId, dataset: { name: 'val', digest: 'd1g3st' } });
  client.logMetric(runId, 'loss', 0.1, { modelId: info.modelId });
  await client.setTerminated(runId);
  return { expId, runId, modelId: info.modelId! };
}

function checkPythonView(py: any, ids: { runId: string; modelId: string }): void {
  assert.equal(py.models.length, 1);
  const m = py.models[0];
  assert.equal(m.id, ids.modelId);
  assert.equal(m.name, 'model');
  assert.equal(m.status, 'READY');
  assert.equal(m.source_run_id, ids.runId);
  assert.deepEqual(m.params, { lr: '0.01' });
  assert.equal(m.tags['mlflow.source.type'], 'LOCAL');
  assert.ok(m.tags['mlflow.user'], 'Created by <user>');
  assert.ok(m.tags['mlflow.source.name'], 'Logged from <source>');
  assert.deepEqual(m.metrics, [
    ['acc', 0.9, 1, 'val', 'd1g3st', ids.runId],
    ['loss', 0.1, 0, null, null, ids.runId],
  ]);
  assert.deepEqual(py.filtered, [ids.modelId]);
  assert.deepEqual(py.outputs, [[ids.modelId, 0]]);
}

async function checkPythonModelInRunlog(client: RunlogClient, expId: string, py: { run_id: string; model_id: string }): Promise<void> {
  const found = await client.searchLoggedModels({ experimentIds: [expId], filter: "name = 'model'" });
  assert.deepEqual(found.items.map((m) => m.modelId), [py.model_id]);
  const lm = found.items[0]!;
  assert.equal(lm.status, 'LOGGED_MODEL_READY');
  assert.equal(lm.sourceRunId, py.run_id);
  assert.equal(lm.metrics?.find((p) => p.key === 'py_acc')?.value, 0.5);
  assert.deepEqual((await client.getRun(py.run_id)).outputs?.modelOutputs, [{ modelId: py.model_id, step: 0 }]);
  for (const uri of [`runs:/${py.run_id}/model`, `models:/${py.model_id}`]) {
    const model = await loadModel(uri, { client });
    assert.deepEqual(await model.predict({ x: X }), { out: [[30]] }, uri);
    await model.dispose();
  }
}

describe('LoggedModels on the local store and real MLflow 3.18, both ways', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-lm-interop-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('./mlruns: Python searches, reads and registers runlog models, also after migrate-filestore; runlog loads Python models by runs:/', async () => {
    const root = join(dir, 'mlruns');
    const client = new RunlogClient({ trackingUri: root });
    const ids = await runlogLogsModel(client, 'lm-local');
    await client.close();

    const uri = `file://${root}`;
    checkPythonView(await runPython(env!, pythonReads(uri, ids.expId, ids.runId, 'from-runlog'), { timeoutMs: 180_000 }), ids);
    const mv = (await runPython(env!, pythonReads(uri, ids.expId, ids.runId, 'from-runlog2'), { timeoutMs: 180_000 })).mv;
    assert.deepEqual(mv, { source: `models:/${ids.modelId}`, model_id: ids.modelId, run_id: ids.runId });

    const db = join(dir, 'migrated.db');
    const migrate = await runMlflowCli(env!, ['migrate-filestore', '--source', dir, '--target', `sqlite:///${db}`], {
      env: { MLFLOW_ALLOW_FILE_STORE: 'true' },
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(migrate.code, 0, migrate.stderr.slice(-3000));
    const migrated = await runPython(env!, pythonReads(`sqlite:///${db}`, '', ids.runId, null).replace(
      /experiment_ids=\[""\]/g,
      `experiment_ids=[mlflow.get_experiment_by_name('lm-local').experiment_id]`,
    ), { timeoutMs: 180_000 });
    assert.equal(migrated.models.length, 1);
    assert.equal(migrated.models[0].name, 'model');
    assert.equal(migrated.models[0].status, 'READY');
    assert.deepEqual(
      migrated.models[0].metrics.map((x: unknown[]) => x.slice(0, 5)),
      [
        ['acc', 0.9, 1, 'val', 'd1g3st'],
        ['loss', 0.1, 0, null, null],
      ],
    );
    assert.equal(migrated.outputs.length, 1);

    const py = await runPython(env!, pythonLogsModel(uri, 'lm-from-python'), { timeoutMs: 180_000 });
    const reader = new RunlogClient({ trackingUri: root });
    try {
      const exp = (await reader.getExperimentByName('lm-from-python'))!;
      await checkPythonModelInRunlog(reader, exp.experimentId, py);
    } finally {
      await reader.close();
    }
  });

  describe('against a server', () => {
    // The run's shared server: experiment and model names of this file's own.
    let server: MlflowServer;
    const name = { exp: uniqueName('lm-server'), pyExp: uniqueName('lm-server-python'), fromPython: uniqueName('server-from-python'), fromRunlog: uniqueName('server-from-runlog') };
    before(async () => {
      server = await sharedMlflowServer(env!);
    });

    it('Python searches and registers runlog models; runlog loads, registers and serves runs:/<run>/model of its own and Python models (issue #13)', async () => {
      const client = new RunlogClient({ trackingUri: server.uri, durability: 'memory' });
      try {
        const ids = await runlogLogsModel(client, name.exp);
        checkPythonView(await runPython(env!, pythonReads(server.uri, ids.expId, ids.runId, name.fromPython), { timeoutMs: 180_000 }), ids);

        // The reported bug: an MLflow 3 model reached through runs:/<run>/model.
        const loaded = await loadModel(`runs:/${ids.runId}/model`, { client });
        assert.deepEqual(Object.keys(await loaded.predict(X)), ['y']);
        await loaded.dispose();
        const mv = await registerModel(`runs:/${ids.runId}/model`, name.fromRunlog, { client });
        assert.equal(mv.source, `models:/${ids.modelId}`);
        // MLflow's SQL registry keeps no model_id on a version (Python's mv.model_id is None too).
        assert.equal(mv.runId, ids.runId);

        await client.setLoggedModelTags(ids.modelId, { reviewed: 'yes' });
        assert.equal((await client.getLoggedModel(ids.modelId)).tags.reviewed, 'yes');
        await client.deleteLoggedModelTag(ids.modelId, 'reviewed');
        assert.equal((await client.getLoggedModel(ids.modelId)).tags.reviewed, undefined);

        const py = await runPython(env!, pythonLogsModel(server.uri, name.pyExp), { timeoutMs: 180_000 });
        const exp = (await client.getExperimentByName(name.pyExp))!;
        await checkPythonModelInRunlog(client, exp.experimentId, py);
      } finally {
        await client.close();
      }
    });
  });
});
