import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PY_VALUE_PRELUDE } from '../support/python-values.js';
import { childNodeArgs } from '../support/child-node.js';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();
const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

/** Runs an example script as a user would (tsx), in `cwd`, with extra environment. */
function runExample(name: string, cwd: string, extraEnv: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childNodeArgs(example(name)), {
      cwd,
      env: { ...process.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${name} exited with ${code}:\n${out}`));
    });
  });
}

/** What Python's MlflowClient sees of the autologged TF.js runs of the example. */
const TFJS_READBACK = (uri: string) => `${PY_VALUE_PRELUDE}
import mlflow
mlflow.set_tracking_uri(${JSON.stringify(uri)})
c = MlflowClient(tracking_uri=${JSON.stringify(uri)})
e = c.get_experiment_by_name('tfjs-autolog')
runs = c.search_runs([e.experiment_id], filter_string="tags.mlflow.autologging = 'tfjs'", order_by=['attributes.start_time ASC'])
out = []
for r in runs:
    files = [f.path for f in c.list_artifacts(r.info.run_id)]
    out.append({'status': r.info.status, 'params': r.data.params,
                'loss': len(c.get_metric_history(r.info.run_id, 'loss')), 'files': files})
models = []
try:
    for m in c.search_logged_models(experiment_ids=[e.experiment_id]):
        import mlflow.models
        info = mlflow.models.get_model_info('models:/' + m.model_id)
        models.append({'status': str(m.status), 'run': m.source_run_id, 'signature': info.signature is not None})
except Exception as ex:
    models = str(ex)
print(json.dumps({'runs': out, 'models': models, 'run_ids': [r.info.run_id for r in runs]}))
`;

describe('autolog examples, read back by Python MLflow 3.18', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  let dir: string;
  before(async () => {
    server = await sharedMlflowServer(env!);
    dir = await mkdtemp(join(tmpdir(), 'runlog-examples-'));
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Both stores keep autolog's models as MLflow 3 LoggedModels, which Python finds by search. */
  function checkTfjsRuns(py: any) {
    assert.equal(py.runs.length, 2, 'fit() and fitDataset() each got a run');
    for (const run of py.runs) {
      assert.equal(run.status, 'FINISHED');
      assert.ok(run.params.epochs && run.params.optimizer_name && run.params.total_params, JSON.stringify(run.params));
      assert.ok(run.loss >= 1, 'per-epoch loss history');
      assert.ok(run.files.includes('model_summary.txt'), JSON.stringify(run.files));
    }
    assert.equal(py.runs[1].loss, Number(py.runs[1].params.epochs), 'fitDataset: one loss point per epoch');
    assert.equal(py.models.length, 2, JSON.stringify(py.models));
    for (const m of py.models) {
      assert.equal(m.status, 'READY');
      assert.ok(py.run_ids.includes(m.run));
      assert.equal(m.signature, true);
    }
  }

  it('examples/tfjs-autolog.ts against a real server: params, epoch histories, summary and a READY logged model with a signature', async () => {
    await runExample('tfjs-autolog.ts', dir, { MLFLOW_TRACKING_URI: server.uri });
    checkTfjsRuns(await runPython(env!, TFJS_READBACK(server.uri)));
  });

  it('examples/tfjs-autolog.ts on the local ./mlruns store, read by Python from the directory: runs and READY logged models', async () => {
    const cwd = await mkdtemp(join(dir, 'local-'));
    await runExample('tfjs-autolog.ts', cwd, { MLFLOW_TRACKING_URI: '' });
    checkTfjsRuns(await runPython(env!, TFJS_READBACK(`file://${join(cwd, 'mlruns')}`)));
  });

  it('examples/onnx-inference-autolog.ts against a real server: session params and windowed inference metrics', async () => {
    await runExample('onnx-inference-autolog.ts', dir, { MLFLOW_TRACKING_URI: server.uri });
    const py = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
e = c.get_experiment_by_name('onnx-inference')
r = c.search_runs([e.experiment_id], filter_string="tags.mlflow.autologging = 'onnx'")[0]
calls = c.get_metric_history(r.info.run_id, 'inference_calls')
print(json.dumps({'status': r.info.status, 'params': sorted(r.data.params), 'total_calls': max(m.value for m in calls),
  'windows': len(calls), 'p99': 'inference_latency_ms_p99' in r.data.metrics, 'load': 'model_load_ms' in r.data.metrics}))
`,
    );
    assert.equal(py.status, 'FINISHED');
    assert.ok(py.params.includes('onnx_inputs') && py.params.includes('onnx_execution_providers'), JSON.stringify(py.params));
    assert.equal(py.total_calls, 25_000, 'the cumulative call count reaches every call exactly');
    assert.ok(py.windows >= 3 && py.windows <= 10, `metrics logged per window, not per call (${py.windows} windows)`);
    assert.equal(py.p99, true);
    assert.equal(py.load, true);
  });
});
