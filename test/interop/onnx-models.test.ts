// The onnx flavor against real MLflow 3.18 (issue #3): models runlog saves load in Python's
// mlflow.pyfunc and `mlflow models predict`, models Python's mlflow.onnx saves and logs load in
// runlog, and a model runlog logs to a server is a READY LoggedModel linked to its run.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunlogClient } from '@runlog/core';
import { loadModel, logModel, saveModel } from '@runlog/models';
import { loadOnnxSession } from '@runlog/onnx';
import * as ort from 'onnxruntime-node';
import * as runlog from 'runlog';
import { ensureMlflow, runMlflowCli, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const LINEAR = join(FIXTURES, 'onnx-linear.onnx');
const TWO_INPUT = join(FIXTURES, 'onnx-two-input.onnx');
const INT64 = join(FIXTURES, 'onnx-int64.onnx');

const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 0.25, 8],
  [0, 0, 0, 0],
];

/** Float32 values survive JSON as doubles; compare with a tolerance a float32 ulp comfortably passes. */
function assertClose(actual: unknown, expected: unknown, path = 'value'): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, `${path}[${i}]`));
    return;
  }
  if (typeof expected === 'object' && expected !== null) {
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), path);
    for (const [k, v] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${path}: ${actual} != ${expected}`);
    return;
  }
  assert.equal(actual, expected, path);
}

/** Nested arrays from an ort output tensor of shape [n, m]. */
function rows(t: ort.Tensor): number[][] {
  const [n, m] = t.dims as [number, number];
  const data = Array.from(t.data as Float32Array, Number);
  return Array.from({ length: n }, (_, r) => data.slice(r * m, (r + 1) * m));
}

describe('onnx flavor against real MLflow 3.18', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  let work: string;
  before(async () => {
    server = await sharedMlflowServer(env!);
    work = await mkdtemp(join(tmpdir(), 'runlog-onnx-interop-'));
  });
  after(async () => {
    await runlog.shutdown(5000);
    await server?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('Node → Python: mlflow.pyfunc loads runlog-saved models and predicts what onnxruntime-node predicts', async () => {
    const linearDir = join(work, 'linear');
    const twoDir = join(work, 'two');
    const intDir = join(work, 'int64');
    await saveModel(LINEAR, linearDir, { inputExample: X });
    await saveModel(await loadOnnxSession(TWO_INPUT), twoDir, { inputExample: { a: [[1, 2, 3]], b: [[0.5, -2, 10]] } });
    await saveModel(INT64, intDir, { inputExample: { ids: [[1, 2], [-3, 40]] } });

    const bare = await ort.InferenceSession.create(LINEAR);
    const bareY = rows((await bare.run({ x: new ort.Tensor('float32', Float32Array.from(X.flat()), [3, 4]) })).y!);
    await bare.release();
    const linear = await loadModel(linearDir);
    const nodeY = (await linear.predict(X)).y;
    assert.deepEqual(nodeY, bareY, 'runlog predict equals a bare session.run');
    await linear.dispose();

    const py = await runPython(
      env!,
      `
import json, numpy as np, mlflow.pyfunc
from mlflow.models import Model
out = {}
m = mlflow.pyfunc.load_model(${JSON.stringify(linearDir)})
x = np.array(${JSON.stringify(X)}, dtype=np.float32)
out['linear'] = {k: v.tolist() for k, v in m.predict(x).items()}
out['linear_dict'] = {k: v.tolist() for k, v in m.predict({'x': x}).items()}
out['linear_flavors'] = Model.load(${JSON.stringify(linearDir)}).flavors
out['linear_inputs'] = m.metadata.get_input_schema().to_dict()
m2 = mlflow.pyfunc.load_model(${JSON.stringify(twoDir)})
r2 = m2.predict({'a': np.array([[1, 2, 3]], dtype=np.float32), 'b': np.array([[0.5, -2, 10]], dtype=np.float32)})
out['two'] = {k: v.tolist() for k, v in r2.items()}
m3 = mlflow.pyfunc.load_model(${JSON.stringify(intDir)})
r3 = m3.predict({'ids': np.array([[1, 2], [-3, 40]], dtype=np.int64)})
out['int64'] = {k: [v.dtype.name, v.tolist()] for k, v in r3.items()}
print(json.dumps(out))
`,
    );
    assert.deepEqual(py.linear, { y: bareY }, 'Python pyfunc equals onnxruntime-node (same onnxruntime release: bit-identical)');
    assert.deepEqual(py.linear_dict, { y: bareY });
    assert.deepEqual(py.linear_flavors.onnx, {
      code: null,
      data: 'model.onnx',
      onnx_session_options: null,
      onnx_version: '1.23.2',
      providers: ['CPUExecutionProvider'],
    });
    assert.equal(py.linear_flavors.python_function.loader_module, 'mlflow.onnx');
    assert.deepEqual(py.linear_inputs, [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] }, name: 'x' }]);

    const two = await loadModel(twoDir);
    assert.deepEqual(py.two, await two.predict({ a: [[1, 2, 3]], b: [[0.5, -2, 10]] }));
    await two.dispose();
    const int = await loadModel(intDir);
    const nodeInt = await int.predict({ ids: [[1, 2], [-3, 40]] });
    assert.deepEqual(py.int64, { doubled: ['int64', nodeInt.doubled], as_double: ['float64', nodeInt.as_double] });
    await int.dispose();
  });

  it('Node → Python: `mlflow models predict --env-manager local` answers serving_input_example.json with the same predictions', async () => {
    const cases: Array<[string, string, unknown]> = [];
    for (const [name, src, example] of [
      ['cli-linear', LINEAR, X],
      ['cli-two', TWO_INPUT, { a: [[1, 2, 3]], b: [[0.5, -2, 10]] }],
      ['cli-int64', INT64, { ids: [[7, -8]] }],
    ] as const) {
      const dir = join(work, name);
      await saveModel(src, dir, { inputExample: example });
      const m = await loadModel(dir);
      cases.push([dir, name, await m.predict(example)]);
      await m.dispose();
    }
    // The three commands run side by side; each is its own `mlflow models predict`.
    const predicted = await Promise.all(
      cases.map(async ([dir, name]) => {
        const out = join(dir, 'predictions.json');
        const args = ['models', 'predict', '-m', dir, '-i', join(dir, 'serving_input_example.json'), '-t', 'json', '-o', out, '--env-manager', 'local'];
        const res = await runMlflowCli(env!, args, { timeoutMs: 240_000 });
        assert.equal(res.code, 0, `${name}: ${res.stderr.slice(-3000)}`);
        return JSON.parse(await readFile(out, 'utf8')) as unknown;
      }),
    );
    for (const [i, [dir, name, nodeOut]] of cases.entries()) {
      const serving = JSON.parse(await readFile(join(dir, 'serving_input_example.json'), 'utf8')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(serving), ['inputs'], `${name}: serving input is an {"inputs": ...} body`);
      assertClose(predicted[i], { predictions: nodeOut }, name);
    }
  });

  it('Python → Node: mlflow.onnx.save_model and log_model output loads in runlog with its signature and predictions', async () => {
    const savedDir = join(work, 'py-saved');
    const py = await runPython(
      env!,
      `
import json, os, numpy as np, onnx, mlflow, mlflow.onnx, mlflow.pyfunc
from onnx import TensorProto, helper, numpy_helper
from mlflow.models import infer_signature
rng = np.random.default_rng(7)
W = rng.standard_normal((16, 64)).astype(np.float32)   # 4 KiB: MLflow stores it as external data
B = rng.standard_normal((64,)).astype(np.float32)
def build():
    # A fresh ModelProto per save: onnx.save_model(save_as_external_data=True), which MLflow calls,
    # rewrites the proto it is given to point at the external file it wrote.
    g = helper.make_graph(
        [helper.make_node('MatMul', ['features', 'W'], ['h']), helper.make_node('Add', ['h', 'B'], ['z']),
         helper.make_node('Relu', ['z'], ['out'])],
        'py_mlp',
        [helper.make_tensor_value_info('features', TensorProto.FLOAT, ['batch', 16])],
        [helper.make_tensor_value_info('out', TensorProto.FLOAT, ['batch', 64])],
        [numpy_helper.from_array(W, 'W'), numpy_helper.from_array(B, 'B')])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    return model
x = rng.standard_normal((3, 16)).astype(np.float32)
mlflow.onnx.save_model(build(), ${JSON.stringify(savedDir)}, signature=infer_signature(x))
pred = mlflow.pyfunc.load_model(${JSON.stringify(savedDir)}).predict(x)['out']
mlflow.set_tracking_uri(${JSON.stringify(server.uri)})
mlflow.set_experiment('onnx-from-python')
with mlflow.start_run() as run:
    info = mlflow.onnx.log_model(build(), name='py-onnx', input_example=x)
print(json.dumps({'x': x.tolist(), 'pred': pred.tolist(), 'files': sorted(os.listdir(${JSON.stringify(savedDir)})),
                  'model_uri': info.model_uri, 'run_id': run.info.run_id}))
`,
      { timeoutMs: 180_000 },
    );
    assert.ok(py.files.length > 5 && py.files.includes('model.onnx'), `external data beside model.onnx: ${py.files}`);

    const saved = await loadModel(savedDir);
    assert.equal(saved.flavor, 'onnx');
    assert.deepEqual(saved.signature?.inputs, {
      kind: 'tensor',
      inputs: [{ type: 'tensor', tensorSpec: { dtype: 'float32', shape: [-1, 16] } }],
    });
    assertClose((await saved.predict(py.x)).out, py.pred, 'saved');
    await saved.dispose();

    const client = new RunlogClient({ trackingUri: server.uri });
    const logged = await loadModel(py.model_uri, { client });
    assert.deepEqual(logged.inputNames, ['features']);
    assert.equal(logged.mlmodel.runId, py.run_id);
    assertClose((await logged.predict(py.x)).out, py.pred, 'logged');
    await logged.dispose();
    await client.close();
  });

  it('logModel against a server: a READY LoggedModel linked to its run, which Python loads and predicts with', async () => {
    runlog.setTrackingUri(server.uri);
    const exp = await runlog.setExperiment('onnx-logged-models');
    const run = await runlog.startRun({ runName: 'onnx-log' });
    runlog.logParam('kind', 'linear');
    const info = await logModel(await loadOnnxSession(LINEAR), { name: 'linear-onnx', inputExample: X });
    await runlog.endRun();
    assert.ok(info.modelId?.startsWith('m-'), `LoggedModel id: ${info.modelId}`);
    assert.equal(info.modelUri, `models:/${info.modelId}`);

    const node = await loadModel(info.modelUri);
    const nodeY = (await node.predict(X)).y;
    await node.dispose();

    const py = await runPython(
      env!,
      `
import json, numpy as np, mlflow, mlflow.pyfunc
from mlflow import MlflowClient
mlflow.set_tracking_uri(${JSON.stringify(server.uri)})
c = MlflowClient()
models = c.search_logged_models(experiment_ids=[${JSON.stringify(exp.experimentId)}])
m = next(m for m in models if m.model_id == ${JSON.stringify(info.modelId)})
pf = mlflow.pyfunc.load_model(f'models:/{m.model_id}')
pred = pf.predict(np.array(${JSON.stringify(X)}, dtype=np.float32))['y']
print(json.dumps({'status': str(m.status), 'source_run_id': m.source_run_id, 'name': m.name,
                  'params': m.params, 'pred': pred.tolist(),
                  'outputs': [o.model_id for o in (c.get_run(${JSON.stringify(run.runId)}).outputs.model_outputs or [])]}))
`,
      { timeoutMs: 180_000 },
    );
    assert.match(py.status, /READY/);
    assert.equal(py.source_run_id, run.runId);
    assert.equal(py.name, 'linear-onnx');
    assert.deepEqual(py.params, { kind: 'linear' });
    assert.deepEqual(py.outputs, [info.modelId]);
    assert.deepEqual(py.pred, nodeY);
  });
});
