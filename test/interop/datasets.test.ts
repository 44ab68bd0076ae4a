import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as runlog from 'runlog';
import { ensureMlflow, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();

/**
 * Issue #13, datasets: runlog logs dataset inputs (logInput of a CSV file and of arrays, and TF.js
 * autolog's train/eval data) and Python MLflow 3.18 reads `run.inputs.dataset_inputs` from the
 * local ./mlruns store and from a server, with the digests its own mlflow.data computes for the
 * same data; runlog reads a Python-logged dataset input back.
 */

interface Logged {
  manualRunId: string;
  autologRunId: string;
  csvDigest: string;
  arraysDigest: string;
}

async function logDatasets(trackingUri: string, experiment: string, csv: string): Promise<Logged> {
  runlog.setTrackingUri(trackingUri);
  await runlog.setExperiment(experiment);
  const manual = await runlog.startRun({ runName: 'datasets' });
  const table = await runlog.datasetFromCsv(csv, { name: 'iris-mini' });
  const arrays = runlog.datasetFromArrays({ values: new Float32Array([1.5, 2, 3, 4, 5, 6]), shape: [2, 3] }, { targets: new BigInt64Array([0n, 1n]), name: 'arrays' });
  await runlog.logInput(table, { context: 'train', tags: { owner: 'runlog' } });
  await runlog.logInputs([{ dataset: arrays, context: 'eval' }]);
  await runlog.endRun();

  runlog.autolog({ exclusive: true, logModels: false });
  try {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3] })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const xs = tf.tensor2d([[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 0, 1]]);
    const ys = tf.tensor2d([[1], [2], [3], [4]]);
    await model.fit(xs, ys, { epochs: 1, validationData: [xs.slice([0, 0], [2, 3]), ys.slice([0, 0], [2, 1])], verbose: 0 });
  } finally {
    runlog.autolog({ disable: true });
  }
  await runlog.flush(10_000);
  const runs = await runlog.searchRuns({ experimentNames: [experiment], orderBy: ['attributes.start_time DESC'] });
  const autologRunId = runs.items.find((r) => r.info.runId !== manual.runId)!.info.runId;
  return { manualRunId: manual.runId, autologRunId, csvDigest: table.digest, arraysDigest: arrays.digest };
}

function pythonReadBack(trackingUri: string, l: Logged, csv: string): string {
  return `
import json, mlflow, numpy as np, pandas as pd
from mlflow import MlflowClient
mlflow.set_tracking_uri(${JSON.stringify(trackingUri)})
c = MlflowClient()
def inputs(run_id):
    out = []
    for di in c.get_run(run_id).inputs.dataset_inputs:
        d = di.dataset
        out.append({'name': d.name, 'digest': d.digest, 'source_type': d.source_type, 'source': d.source,
                    'schema': d.schema, 'profile': d.profile, 'tags': {t.key: t.value for t in di.tags}})
    return sorted(out, key=lambda i: i['tags'].get('mlflow.data.context', ''))
py_csv = mlflow.data.from_pandas(pd.read_csv(${JSON.stringify(csv)}), source=${JSON.stringify(csv)})
py_np = mlflow.data.from_numpy(np.array([[1.5, 2, 3], [4, 5, 6]], dtype=np.float32), targets=np.array([0, 1], dtype=np.int64))
print(json.dumps({
  'manual': inputs(${JSON.stringify(l.manualRunId)}),
  'autolog': inputs(${JSON.stringify(l.autologRunId)}),
  'py_csv': {'digest': py_csv.digest, 'schema': py_csv.to_dict()['schema'], 'profile': py_csv.to_dict()['profile'], 'source': py_csv.to_dict()['source']},
  'py_np': {'digest': py_np.digest, 'schema': py_np.to_dict()['schema'], 'profile': py_np.to_dict()['profile']},
}))
`;
}

function checkReadBack(py: any, l: Logged): void {
  const [evalInput, train] = py.manual; // sorted by context
  assert.equal(py.manual.length, 2);
  assert.deepEqual(train.tags, { owner: 'runlog', 'mlflow.data.context': 'train' });
  assert.equal(train.name, 'iris-mini');
  assert.equal(train.source_type, 'local');
  // The digest, schema, profile and source are what Python's own mlflow.data records for the file.
  assert.equal(train.digest, py.py_csv.digest);
  assert.equal(train.digest, l.csvDigest);
  assert.equal(train.schema, py.py_csv.schema);
  assert.equal(train.profile, py.py_csv.profile);
  assert.equal(train.source, py.py_csv.source);
  assert.deepEqual(evalInput.tags, { 'mlflow.data.context': 'eval' });
  assert.equal(evalInput.digest, py.py_np.digest);
  assert.equal(evalInput.schema, py.py_np.schema);
  assert.equal(evalInput.profile, py.py_np.profile);
  assert.equal(evalInput.source_type, 'code');

  assert.deepEqual(py.autolog.map((i: any) => i.tags['mlflow.data.context']), ['eval', 'train']);
  for (const i of py.autolog) {
    assert.equal(i.name, 'dataset');
    assert.match(i.digest, /^[0-9a-f]{8}$/);
    assert.match(i.schema, /mlflow_tensorspec/);
    assert.equal(JSON.parse(JSON.parse(i.schema).mlflow_tensorspec.features)[0]['tensor-spec'].dtype, 'float32');
  }
  assert.equal(JSON.parse(py.autolog[1].profile).features_cardinality, 12);
  assert.equal(JSON.parse(py.autolog[0].profile).features_cardinality, 6);
}

const PY_LOGS_INPUT = (trackingUri: string) => `
import json, mlflow, numpy as np
mlflow.set_tracking_uri(${JSON.stringify(trackingUri)})
mlflow.set_experiment('datasets-from-python')
d = mlflow.data.from_numpy(np.array([[1.0, 2.0], [3.0, 4.0]]), source='s3://bucket/py.npy', name='py-data')
with mlflow.start_run() as r:
    mlflow.log_input(d, context='validation', tags={'by': 'python'})
print(json.dumps({'run_id': r.info.run_id, 'dataset': d._to_mlflow_entity().to_dictionary()}))
`;

async function checkRunlogReadsPython(trackingUri: string): Promise<void> {
  const py = await runPython(env!, PY_LOGS_INPUT(trackingUri));
  runlog.setTrackingUri(trackingUri);
  const run = await runlog.getRun(py.run_id);
  const inputs = run.inputs!.datasetInputs;
  assert.equal(inputs.length, 1);
  const { dataset, tags } = inputs[0]!;
  assert.deepEqual(
    { name: dataset.name, digest: dataset.digest, source_type: dataset.sourceType, source: dataset.source, schema: dataset.schema, profile: dataset.profile },
    py.dataset,
  );
  assert.deepEqual(Object.fromEntries(tags.map((t) => [t.key, t.value])), { by: 'python', 'mlflow.data.context': 'validation' });
  // The same numbers logged by runlog get the same digest.
  assert.equal(runlog.datasetFromArrays({ values: new Float64Array([1, 2, 3, 4]), shape: [2, 2] }).digest, dataset.digest);
}

describe('dataset inputs read by Python MLflow 3.18, and Python-logged ones read by runlog', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let dir: string;
  let csv: string;
  let server: MlflowServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-datasets-interop-'));
    csv = join(dir, 'iris-mini.csv');
    await writeFile(csv, 'sepal_length,sepal_width,species\n5.1,3.5,setosa\n4.9,3.0,setosa\n6.3,3.3,virginica\n');
  });
  afterEach(async () => {
    while (runlog.activeRun()) await runlog.endRun();
  });
  after(async () => {
    await runlog.shutdown(5000);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('from the local ./mlruns store (MLFLOW_ALLOW_FILE_STORE): logInput, logInputs and TF.js autolog train/eval', async () => {
    const root = join(dir, 'mlruns');
    const logged = await logDatasets(root, 'datasets-fs', csv);
    checkReadBack(await runPython(env!, pythonReadBack(`file://${root}`, logged, csv)), logged);
    await checkRunlogReadsPython(`file://${root}`);
  });

  it('from a real MLflow server: logInput, logInputs and TF.js autolog train/eval', async () => {
    server = await sharedMlflowServer(env!);
    const logged = await logDatasets(server.uri, uniqueName('datasets-rest'), csv);
    checkReadBack(await runPython(env!, pythonReadBack(server.uri, logged, csv)), logged);
    await checkRunlogReadsPython(server.uri);
  });
});
