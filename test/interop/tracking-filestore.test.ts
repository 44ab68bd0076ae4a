import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from 'runlog';
import { PY_VALUE_PRELUDE, toPythonJson } from '../support/python-values.js';
import { ensureMlflow, runMlflowCli, runPython } from '../support/mlflow-env.js';

const env = await ensureMlflow();


describe('the local ./mlruns store and real MLflow 3.18, both ways', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let dir: string;
  let root: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-fs-interop-'));
    root = join(dir, 'mlruns');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runlog writes ./mlruns; Python MLflow reads every value back, and migrate-filestore moves it to SQLite without loss', async () => {
    const client = new RunlogClient({ trackingUri: root });
    const expId = await client.createExperiment('fs-interop', { tags: { owner: 'node' } });
    const parent = await client.createRun(expId, { runName: 'parent', tags: { 'mlflow.user': 'tester' } });
    const runId = parent.info.runId;
    client.logParam(runId, 'lr', 0.001);
    client.logParam(runId, 'text', 'héllo wörld');
    const points: Array<[string, number, number, number]> = [];
    const t0 = 1_700_000_000_000;
    const values = [0.1, 1, 1e-7, 12345678.9, 1e21, -0.0, NaN, Infinity, -Infinity, 2 / 3];
    for (let step = 0; step < 5000; step++) {
      const value = values[step % values.length]! * (step % 7 === 0 ? 1 : 1);
      client.logMetric(runId, 'train/loss', value, { step, timestamp: t0 + step });
      points.push(['train/loss', value, t0 + step, step]);
    }
    client.setTag(runId, 'note', 'multi\nline');
    const child = await client.createRun(expId, { runName: 'child', tags: { 'mlflow.parentRunId': runId } });
    client.logMetric(child.info.runId, 'acc', 0.9, { step: 3, timestamp: t0 });
    await client.setTerminated(child.info.runId, 'FINISHED');
    const art = join(dir, 'art');
    await mkdir(join(art, 'a', 'b'), { recursive: true });
    const blob = randomBytes(65_536);
    await writeFile(join(art, 'a', 'b', 'blob.bin'), blob);
    await client.logArtifacts(runId, art, 'inputs');
    await client.logText(runId, 'done', 'status.txt');
    await client.setTerminated(runId, 'FINISHED');
    await client.close();

    const uri = `file://${root}`;
    const py = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(uri)})
e = c.get_experiment_by_name('fs-interop')
r = c.get_run(${JSON.stringify(runId)})
h = [[m.key, v(m.value), m.timestamp, m.step] for m in c.get_metric_history(r.info.run_id, 'train/loss')]
found = c.search_runs([e.experiment_id], filter_string="params.lr = '0.001' and attributes.status = 'FINISHED'")
child = c.search_runs([e.experiment_id], filter_string="tags.mlflow.parentRunId = '%s'" % r.info.run_id)
blob = c.download_artifacts(r.info.run_id, 'inputs/a/b/blob.bin', ${JSON.stringify(dir)})
print(json.dumps({
  'exp_tags': e.tags, 'status': r.info.status, 'name': r.info.run_name, 'user': r.info.user_id,
  'params': r.data.params, 'tags': {k: x for k, x in r.data.tags.items()}, 'latest': v(r.data.metrics['train/loss']),
  'hist': h, 'found': [x.info.run_id for x in found], 'child': [x.info.run_id for x in child],
  'artifacts': walk_artifacts(c, r.info.run_id), 'blob': hashlib.sha256(open(blob, 'rb').read()).hexdigest(),
}))
`,
    );
    assert.equal(py.status, 'FINISHED');
    assert.equal(py.name, 'parent');
    assert.equal(py.user, 'tester');
    assert.equal(py.exp_tags.owner, 'node');
    assert.deepEqual(py.params, { lr: '0.001', text: 'héllo wörld' });
    assert.equal(py.tags.note, 'multi\nline');
    assert.equal(py.tags['mlflow.runName'], 'parent');
    assert.deepEqual(py.hist, points.map(([k, val, ts, s]) => [k, toPythonJson(val), ts, s]));
    assert.deepEqual(py.found, [runId]);
    assert.deepEqual(py.child, [child.info.runId]);
    assert.deepEqual(
      (py.artifacts as any[]).map((a) => a[0]).sort(),
      ['inputs', 'inputs/a', 'inputs/a/b', 'inputs/a/b/blob.bin', 'status.txt'],
    );
    assert.equal(py.blob, createHash('sha256').update(blob).digest('hex'));

    // mlflow migrate-filestore: the whole store into SQLite, read back by Python.
    const db = join(dir, 'migrated.db');
    const migrate = await runMlflowCli(env!, ['migrate-filestore', '--source', dir, '--target', `sqlite:///${db}`], {
      env: { MLFLOW_ALLOW_FILE_STORE: 'true' },
      cwd: dir,
      timeoutMs: 300_000,
    });
    assert.equal(migrate.code, 0, migrate.stderr.slice(-3000));
    const migrated = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(`sqlite:///${db}`)})
e = c.get_experiment_by_name('fs-interop')
r = c.get_run(${JSON.stringify(runId)})
h = [[m.key, v(m.value), m.timestamp, m.step] for m in c.get_metric_history(r.info.run_id, 'train/loss')]
print(json.dumps({'params': r.data.params, 'n': len(h), 'hist': sorted(h, key=lambda x: x[3]), 'status': r.info.status,
  'runs': len(c.search_runs([e.experiment_id]))}))
`,
    );
    assert.equal(migrated.status, 'FINISHED');
    assert.equal(migrated.runs, 2);
    assert.deepEqual(migrated.params, { lr: '0.001', text: 'héllo wörld' });
    assert.equal(migrated.n, 5000);
  });

  it('reads runs that Python MLflow wrote into a FileStore: getRun, getMetricHistory and searchRuns agree with Python', async () => {
    const pyRoot = join(dir, 'py-mlruns');
    const written = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
import mlflow
mlflow.set_tracking_uri(${JSON.stringify(`file://${pyRoot}`)})
mlflow.set_experiment('from-python')
ids = []
for i, acc in enumerate([0.7, 0.95, 0.9]):
    with mlflow.start_run(run_name='py-%d' % i) as run:
        mlflow.log_params({'lr': 0.1 * (i + 1), 'kind': 'py'})
        for s in range(100):
            mlflow.log_metric('acc', acc * s / 99, step=s, timestamp=1700000000000 + s)
        mlflow.log_metric('weird', float('nan') if i == 0 else float('inf'))
        mlflow.set_tag('idx', str(i))
        mlflow.log_text('hi', 'dir/hello.txt')
        ids.append(run.info.run_id)
c = MlflowClient()
e = c.get_experiment_by_name('from-python')
c.delete_run(ids[2])
print(json.dumps({'ids': ids, 'exp': e.experiment_id,
  'hist0': [[m.key, v(m.value), m.timestamp, m.step] for m in c.get_metric_history(ids[0], 'acc')],
  'params1': c.get_run(ids[1]).data.params}))
`,
    );
    const client = new RunlogClient({ trackingUri: pyRoot });
    const run0 = await client.getRun(written.ids[0]);
    assert.equal(run0.info.runName, 'py-0');
    assert.equal(run0.info.status, 'FINISHED');
    assert.equal(run0.data.tags.idx, '0');
    assert.ok(Number.isNaN(run0.data.metrics.weird));
    assert.equal((await client.getRun(written.ids[1])).data.metrics.weird, Infinity);
    assert.deepEqual((await client.getRun(written.ids[1])).data.params, written.params1);
    const hist = await client.getMetricHistory(written.ids[0], 'acc');
    assert.deepEqual(hist.map((m) => [m.key, toPythonJson(m.value), m.timestamp, m.step]), written.hist0);
    const found = await client.searchRuns({ experimentIds: [written.exp], filter: 'metrics.acc >= 0.9', orderBy: ['metrics.acc DESC'] });
    assert.deepEqual(found.items.map((r) => r.info.runName), ['py-1'], 'the deleted run is not listed');
    const all = await client.searchRuns({ experimentIds: [written.exp], viewType: 'ALL', orderBy: ['params.lr ASC'] });
    assert.equal(all.items.length, 3);
    const files = await client.listArtifacts(written.ids[0], 'dir');
    assert.deepEqual(files.map((f) => f.path), ['dir/hello.txt']);
    await client.close();
  });
});
