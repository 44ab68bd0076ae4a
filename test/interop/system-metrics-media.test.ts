import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import * as runlog from 'runlog';
import { PY_VALUE_PRELUDE } from '../support/python-values.js';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();

/**
 * Issue #13 (system metrics, images, tables, figures, run environment): a runlog run logs all of
 * them, and Python MLflow 3.18 reads them back, from the local ./mlruns store and from a server.
 */

const SYSTEM_KEYS = [
  'system/cpu_utilization_percentage',
  'system/system_memory_usage_megabytes',
  'system/system_memory_usage_percentage',
  'system/disk_usage_percentage',
  'system/disk_usage_megabytes',
  'system/disk_available_megabytes',
  'system/network_receive_megabytes',
  'system/network_transmit_megabytes',
  'system/node_event_loop_lag_ms',
  'system/node_heap_used_megabytes',
  'system/node_rss_megabytes',
  'system/node_cpu_utilization_percentage',
];

const saved = {
  interval: process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL,
};

/** Logs one run with system metrics, step images, a table (twice) and a figure; returns its ids. */
async function logEverything(trackingUri: string, experiment: string): Promise<{ runId: string; experimentId: string }> {
  runlog.setTrackingUri(trackingUri);
  const exp = await runlog.setExperiment(experiment);
  process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = '0.1';
  const run = await runlog.startRun({ runName: 'media', logSystemMetrics: true });
  const w = 40;
  const h = 20;
  for (let step = 0; step < 3; step++) {
    const rgba = new Uint8Array(w * h * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * (step + 1)) % 256));
    await runlog.logImage({ data: rgba, width: w, height: h }, { key: 'val/predictions', step });
  }
  await runlog.logImage({ data: new Uint8Array(w * h * 3).fill(128), width: w, height: h, channels: 3 }, { artifactFile: 'static/grey.png' });
  await runlog.logTable({ prompt: ['a', 'b'], score: [0.5, 0.25] }, 'eval/table.json');
  await runlog.logTable([{ prompt: 'c', score: 1 }], 'eval/table.json');
  await runlog.logFigure(
    { data: { values: [{ x: 0, y: 1 }, { x: 1, y: 0.5 }] }, mark: 'line', encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } } },
    'figures/loss.html',
  );
  // Wait (bounded) for three logged system steps.
  const deadline = Date.now() + 20_000;
  for (;;) {
    await runlog.flush(5_000);
    const hist = await runlog.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
    if (hist.length >= 3 || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  await runlog.endRun();
  return { runId: run.runId, experimentId: exp.experimentId };
}

function pythonReadBack(trackingUri: string, runId: string, experimentId: string): string {
  return `${PY_VALUE_PRELUDE}
import mlflow
from PIL import Image
mlflow.set_tracking_uri(${JSON.stringify(trackingUri)})
c = MlflowClient()
r = c.get_run(${JSON.stringify(runId)})
hist = c.get_metric_history(r.info.run_id, 'system/cpu_utilization_percentage')
images = sorted(f.path for f in c.list_artifacts(r.info.run_id, 'images'))
sizes = {}
for p in images:
    local = mlflow.artifacts.download_artifacts(run_id=r.info.run_id, artifact_path=p)
    im = Image.open(local)
    sizes[p] = [im.format, im.size[0], im.size[1]]
mlflow.set_experiment(experiment_id=${JSON.stringify(experimentId)})
table = mlflow.load_table('eval/table.json', run_ids=[r.info.run_id], extra_columns=['run_id'])
fig = sorted(f.path for f in c.list_artifacts(r.info.run_id, 'figures'))
html = open(mlflow.artifacts.download_artifacts(run_id=r.info.run_id, artifact_path='figures/loss.html')).read()
print(json.dumps({
  'system_keys': sorted(k for k in r.data.metrics if k.startswith('system/')),
  'steps': [m.step for m in hist],
  'cpu': [m.value for m in hist],
  'images': images,
  'sizes': sizes,
  'tags': r.data.tags,
  'table': table.to_dict(orient='split'),
  'fig': fig,
  'html_has_svg': '<svg' in html,
}))
`;
}

function checkReadBack(py: any, runId: string): void {
  for (const k of SYSTEM_KEYS) assert.ok(py.system_keys.includes(k), `missing ${k}; got ${py.system_keys.join(', ')}`);
  assert.ok(py.steps.length >= 3, `three system steps, got ${py.steps.length}`);
  assert.deepEqual(py.steps, py.steps.map((_: number, i: number) => i), 'steps 0, 1, 2, …');
  assert.ok(py.cpu.every((v: number) => v >= 0 && v <= 100));

  const stepImages = (py.images as string[]).filter((p) => /\+step\+/.test(p));
  assert.equal(stepImages.length, 6, py.images.join('\n'));
  for (let step = 0; step < 3; step++) {
    const full = stepImages.find((p) => p.includes(`val~predictions+step+${step}+timestamp+`) && p.endsWith('.png'));
    const small = stepImages.find((p) => p.includes(`val~predictions+step+${step}+timestamp+`) && p.endsWith('+compressed.webp'));
    assert.ok(full && small, `step ${step}: ${py.images.join(', ')}`);
    assert.match(full, /^images\/val~predictions\+step\+\d+\+timestamp\+\d{13}\+[0-9a-f-]{36}\.png$/);
    assert.equal(small, full.replace(/\.png$/, '+compressed.webp'));
    assert.deepEqual(py.sizes[full], ['PNG', 40, 20]);
    assert.deepEqual(py.sizes[small], ['WEBP', 256, 128]);
  }
  assert.equal(py.tags['mlflow.loggedImages'], 'True');
  assert.equal(py.tags['mlflow.loggedArtifacts'], '[{"path": "eval/table.json", "type": "table"}]');
  assert.deepEqual(py.table.columns, ['prompt', 'score', 'run_id']);
  assert.deepEqual(py.table.data, [['a', 0.5, runId], ['b', 0.25, runId], ['c', 1, runId]]);
  assert.deepEqual(py.fig, ['figures/loss.html', 'figures/loss.vl.json']);
  assert.equal(py.html_has_svg, true);
  assert.equal(py.tags['runlog.env.node'], process.version);
  assert.ok(py.tags['runlog.env.os']);
  assert.ok(Number(py.tags['runlog.env.cpuCount']) >= 1);
  assert.ok(py.tags['runlog.version']);
}

describe('system metrics, images, tables and figures read by Python MLflow 3.18', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let dir: string;
  let server: MlflowServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-media-interop-'));
  });
  afterEach(async () => {
    while (runlog.activeRun()) await runlog.endRun();
    if (saved.interval === undefined) delete process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL;
    else process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = saved.interval;
  });
  after(async () => {
    await runlog.shutdown(5000);
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('from the local ./mlruns store: system metric histories, the image layout and tag, load_table, the figure', async () => {
    const root = join(dir, 'mlruns');
    const { runId, experimentId } = await logEverything(root, 'media-fs');
    const py = await runPython(env!, pythonReadBack(`file://${root}`, runId, experimentId));
    checkReadBack(py, runId);
  });

  it('from a real MLflow server: system metric histories, the image layout and tag, load_table, the figure', async () => {
    server = await sharedMlflowServer(env!);
    const { runId, experimentId } = await logEverything(server.uri, 'media-rest');
    const py = await runPython(env!, pythonReadBack(server.uri, runId, experimentId));
    checkReadBack(py, runId);
  });
});
