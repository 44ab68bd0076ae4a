import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as runlog from 'runlog';
import { PY_VALUE_PRELUDE, toPythonJson } from '../support/python-values.js';
import { ensureMlflow, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';
import { withOutageSwitch } from '../support/outage-switch.js';

const env = await ensureMlflow();
// The run's shared MLflow server holds other files' experiments too: names of this file's own.
const EXP_REST = uniqueName('interop-rest');
const EXP_SEARCH = uniqueName('interop-search');
const EXP_OUTAGE = uniqueName('interop-outage');
const EXP_LOGGED_MODEL = uniqueName('interop-logged-model');



describe('tracking against a real MLflow 3.18 server (REST + proxied artifacts)', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  before(async () => {
    server = await withOutageSwitch(await sharedMlflowServer(env!));
    runlog.setTrackingUri(server.uri);
  });
  after(async () => {
    await runlog.shutdown(5000);
    await server?.stop();
  });

  it('logs params, 12k metric points, tags, a nested run and artifacts that Python MlflowClient reads back exactly', async () => {
    const exp = await runlog.setExperiment(EXP_REST);
    const parent = await runlog.startRun({ runName: 'parent', tags: { team: 'ml' } });
    runlog.logParams({ lr: 0.01, layers: 3, optimizer: 'adam' });
    runlog.logParam('lr', 0.01); // same value again: a no-op, as in MLflow
    const expected: Array<[string, number, number, number]> = [];
    const t0 = Date.now();
    for (let step = 0; step < 6000; step++) {
      const loss = 1 / (step + 1);
      const acc = step / 6000;
      runlog.logMetric('loss', loss, { step, timestamp: t0 + step });
      runlog.logMetric('val/acc', acc, { step, timestamp: t0 + step });
      expected.push(['loss', loss, t0 + step, step], ['val/acc', acc, t0 + step, step]);
    }
    runlog.logMetric('odd', NaN, { step: 0, timestamp: t0 });
    runlog.setTags({ stage: 'dev', temp: 'x' });
    runlog.deleteTag('temp');

    const child = await runlog.startRun({ runName: 'child', nested: true });
    runlog.logMetric('child_metric', 42, { step: 7 });
    await runlog.endRun();

    const dir = await mkdtemp(join(tmpdir(), 'runlog-art-'));
    await mkdir(join(dir, 'nested', 'deeper'), { recursive: true });
    const binary = randomBytes(200_000);
    await writeFile(join(dir, 'nested', 'deeper', 'blob.bin'), binary);
    await writeFile(join(dir, 'readme.txt'), 'hello artifacts\n');
    await runlog.logArtifacts(dir, 'data');
    await runlog.logArtifact(join(dir, 'readme.txt'));
    await runlog.logText('summary text', 'notes/summary.txt');
    await runlog.logDict({ a: 1, b: [1, 2] }, 'config.yaml');
    await runlog.endRun();
    assert.equal(runlog.activeRun(), undefined);

    const py = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
r = c.get_run(${JSON.stringify(parent.runId)})
ch = c.get_run(${JSON.stringify(child.runId)})
hist = {}
for k in ['loss', 'val/acc', 'odd']:
    hist[k] = [[m.key, v(m.value), m.timestamp, m.step] for m in c.get_metric_history(r.info.run_id, k)]
import mlflow.artifacts
local = mlflow.artifacts.download_artifacts(run_id=r.info.run_id, artifact_path='data/nested/deeper/blob.bin', tracking_uri=${JSON.stringify(server.uri)})
print(json.dumps({
  'status': r.info.status, 'name': r.info.run_name, 'exp': r.info.experiment_id,
  'params': r.data.params, 'tags': r.data.tags, 'hist': hist,
  'child_parent': ch.data.tags.get('mlflow.parentRunId'), 'child_status': ch.info.status,
  'child_hist': [[m.value, m.step] for m in c.get_metric_history(ch.info.run_id, 'child_metric')],
  'artifacts': walk_artifacts(c, r.info.run_id),
  'blob_sha': hashlib.sha256(open(local, 'rb').read()).hexdigest(),
}))
`,
    );
    assert.equal(py.status, 'FINISHED');
    assert.equal(py.name, 'parent');
    assert.equal(py.exp, exp.experimentId);
    assert.deepEqual(py.params, { lr: '0.01', layers: '3', optimizer: 'adam' });
    assert.equal(py.tags.team, 'ml');
    assert.equal(py.tags.stage, 'dev');
    assert.equal(py.tags.temp, undefined, 'deleted tag is gone');
    assert.equal(py.tags['mlflow.runName'], 'parent');
    assert.equal(py.tags['mlflow.source.type'], 'LOCAL');
    assert.ok(py.tags['mlflow.user']);
    assert.ok(py.tags['mlflow.source.name']);
    const sortPts = (a: any[]) => [...a].sort((x, y) => x[3] - y[3] || String(x[0]).localeCompare(String(y[0])));
    assert.equal(py.hist.loss.length + py.hist['val/acc'].length, 12_000);
    assert.deepEqual(sortPts([...py.hist.loss, ...py.hist['val/acc']]), sortPts(expected.map(([k, val, ts, s]) => [k, toPythonJson(val), ts, s])));
    assert.deepEqual(py.hist.odd, [['odd', 'nan', t0, 0]]);
    assert.equal(py.child_parent, parent.runId);
    assert.equal(py.child_status, 'FINISHED');
    assert.deepEqual(py.child_hist, [[42, 7]]);
    const paths = (py.artifacts as any[]).map((a) => a[0]).sort();
    assert.deepEqual(paths, [
      'config.yaml',
      'data',
      'data/nested',
      'data/nested/deeper',
      'data/nested/deeper/blob.bin',
      'data/readme.txt',
      'notes',
      'notes/summary.txt',
      'readme.txt',
    ]);
    assert.equal(py.blob_sha, createHash('sha256').update(binary).digest('hex'));

    // And runlog reads the same back through its own client.
    const run = await runlog.getRun(parent.runId);
    assert.equal(run.data.metrics.loss, 1 / 6000);
    assert.ok(Number.isNaN(run.data.metrics.odd));
    const history = await runlog.getMetricHistory(parent.runId, 'loss');
    assert.equal(history.length, 6000);
    const local = await runlog.downloadArtifacts(parent.runId, 'data');
    assert.deepEqual(await readFile(join(local, 'nested', 'deeper', 'blob.bin')), binary);
    assert.equal(await readFile(join(local, 'readme.txt'), 'utf8'), 'hello artifacts\n');
  });

  it('searches runs with MLflow filter syntax on the server, the same way as Python', async () => {
    await runlog.setExperiment(EXP_SEARCH);
    for (const [name, acc, lr] of [['a', 0.95, '0.1'], ['b', 0.85, '0.1'], ['c', 0.97, '0.2']] as const) {
      await runlog.withRun({ runName: name }, async () => {
        runlog.logMetric('acc', acc);
        runlog.logParam('lr', lr);
      });
    }
    const page = await runlog.searchRuns({
      experimentNames: [EXP_SEARCH],
      filter: "metrics.acc > 0.9 and params.lr = '0.1'",
    });
    assert.deepEqual(page.items.map((r) => r.info.runName), ['a']);
    const ordered = await runlog.searchRuns({ experimentNames: [EXP_SEARCH], orderBy: ['metrics.acc DESC'] });
    assert.deepEqual(ordered.items.map((r) => r.info.runName), ['c', 'a', 'b']);
  });

  it("with durability 'memory' keeps training through an outage: logging never throws, flush says false, endRun rejects with the unsent count, and everything lands once after the server returns", async () => {
    // The journaled default is covered by test/interop/journal-*.test.ts; this is the in-memory mode.
    runlog.configure({ durability: 'memory' });
    runlog.setTrackingUri(server.uri);
    await runlog.setExperiment(EXP_OUTAGE);
    const run = await runlog.startRun({ runName: 'outage' });
    for (let i = 0; i < 1000; i++) runlog.logMetric('m', i, { step: i });
    assert.equal(await runlog.flush(30_000), true);
    await server.stop();
    // logMetric returns void: these calls neither wait for the server nor throw (how fast they are is a benchmark's question)
    for (let i = 1000; i < 3000; i++) runlog.logMetric('m', i, { step: i });
    assert.equal(await runlog.flush(500), false);
    await assert.rejects(runlog.endRun('FINISHED', { timeoutMs: 500 }), (err: unknown) => {
      assert.ok(err instanceof runlog.UnsentRecordsError);
      assert.equal(err.code, 'RUNLOG_ERR_UNSENT_RECORDS');
      assert.equal(err.unsent, 2000);
      return true;
    });
    assert.equal(runlog.activeRun(), undefined, 'the run is no longer active after a failed endRun');
    await server.restart();
    assert.equal(await runlog.flush(60_000), true);
    const client = runlog.getClient();
    await client.setTerminated(run.runId, 'FINISHED');
    const py = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
h = c.get_metric_history(${JSON.stringify(run.runId)}, 'm')
print(json.dumps({'n': len(h), 'steps': sorted(set(m.step for m in h)) == list(range(3000)), 'status': c.get_run(${JSON.stringify(run.runId)}).info.status}))
`,
    );
    assert.deepEqual(py, { n: 3000, steps: true, status: 'FINISHED' });
    runlog.configure({});
    runlog.setTrackingUri(server.uri);
  });

  it('creates an MLflow 3 LoggedModel, uploads its files, links it to the run and finalizes it READY, as Python sees it', async () => {
    const client = runlog.getClient();
    assert.equal(await client.supportsLoggedModels(), true);
    const exp = await runlog.setExperiment(EXP_LOGGED_MODEL);
    const run = await runlog.startRun({ runName: 'with-model' });
    runlog.logParam('alpha', 0.5);
    await client.getRun(run.runId);
    const model = await client.createLoggedModel(exp.experimentId, { name: 'm', sourceRunId: run.runId, params: { alpha: '0.5' } });
    assert.match(model.modelId, /^m-[0-9a-f]{32}$/);
    assert.equal(model.status, 'LOGGED_MODEL_PENDING');
    const dir = await mkdtemp(join(tmpdir(), 'runlog-lm-'));
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'MLmodel'), 'flavors: {}\n');
    await writeFile(join(dir, 'sub', 'weights.bin'), Buffer.from([0, 1, 2, 255]));
    await client.uploadToArtifactUri(model.artifactUri, dir);
    await client.logModelOutputs(run.runId, [{ modelId: model.modelId, step: 0 }]);
    const ready = await client.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
    assert.equal(ready.status, 'LOGGED_MODEL_READY');
    await runlog.endRun();

    const back = await mkdtemp(join(tmpdir(), 'runlog-lm-back-'));
    await client.downloadFromArtifactUri(model.artifactUri, '', back);
    assert.deepEqual(await readFile(join(back, 'sub', 'weights.bin')), Buffer.from([0, 1, 2, 255]));
    assert.equal(await readFile(join(back, 'MLmodel'), 'utf8'), 'flavors: {}\n');

    const py = await runPython(
      env!,
      `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
ms = c.search_logged_models(experiment_ids=[${JSON.stringify(exp.experimentId)}])
r = c.get_run(${JSON.stringify(run.runId)})
print(json.dumps({'models': [[m.model_id, str(m.status), m.source_run_id, m.name, m.params] for m in ms],
  'outputs': [o.model_id for o in (r.outputs.model_outputs if r.outputs else [])],
  'files': sorted(f.path for f in c.list_logged_model_artifacts(${JSON.stringify(model.modelId)}))}))
`,
    );
    assert.deepEqual(py.models, [[model.modelId, 'READY', run.runId, 'm', { alpha: '0.5' }]]);
    assert.deepEqual(py.outputs, [model.modelId]);
    assert.deepEqual(py.files, ['MLmodel', 'sub']);
  });
});
