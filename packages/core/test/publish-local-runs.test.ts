import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { InvalidArgumentError, NotFoundError } from '../src/errors.js';
import type { TrackingStore } from '../src/store.js';
import { FileStore } from '../src/stores/file-store.js';
import { pathToFileUri } from '../src/stores/local-artifacts.js';
import { publishLocalRuns, SOURCE_RUN_TAG } from '../src/sync/publish-local-runs.js';
import { parentsFirst, type LocalRun } from '../src/sync/local-source.js';

// Publishing is tested here from one local store into another (the target is injected), which
// needs no server; test/interop/publish-local-runs.test.ts does the same against MLflow 3.18.

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-publish-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
const freshDir = (name: string) => join(tmp, `${name}${++counter}`);

/** A target store that counts the calls made to it. */
function counting(store: TrackingStore): { store: TrackingStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

/** A local mlruns with a parent run (params, tags, two metric histories, artifacts) and a nested child. */
async function makeSource(): Promise<{ root: string; parentId: string; childId: string; expId: string }> {
  const root = freshDir('src');
  const client = new RunlogClient({ trackingUri: root });
  const expId = await client.createExperiment('exp-a', { tags: { owner: 'team-a' } });
  const parent = await client.createRun(expId, { runName: 'parent', startTime: 1_700_000_000_000, tags: { team: 'ml' } });
  const parentId = parent.info.runId;
  client.logParam(parentId, 'lr', 0.01);
  client.logParam(parentId, 'layers', 3);
  for (let step = 0; step < 2500; step++) {
    client.logMetric(parentId, 'loss', 1 / (step + 1), { step, timestamp: 1_700_000_000_000 + step });
    client.logMetric(parentId, 'val/acc', step / 2500, { step, timestamp: 1_700_000_000_000 + step });
  }
  client.logMetric(parentId, 'odd', NaN, { step: 0, timestamp: 1_700_000_000_000 });
  client.setTag(parentId, 'stage', 'dev');
  await client.logText(parentId, 'hello', 'notes/hello.txt');
  await client.logDict(parentId, { a: 1 }, 'config.json');
  const child = await client.createRun(expId, {
    runName: 'child',
    startTime: 1_700_000_001_000,
    tags: { 'mlflow.parentRunId': parentId },
  });
  client.logMetric(child.info.runId, 'child_metric', 42, { step: 7, timestamp: 1_700_000_001_001 });
  await client.setTerminated(child.info.runId, 'FINISHED', { endTime: 1_700_000_002_000 });
  await client.setTerminated(parentId, 'FAILED', { endTime: 1_700_000_003_000 });
  await client.close();
  return { root, parentId, childId: child.info.runId, expId };
}

async function findBySource(target: TrackingStore, experimentId: string, localId: string) {
  const page = await target.searchRuns({ experimentIds: [experimentId], filter: `tags.\`${SOURCE_RUN_TAG}\` = '${localId}'`, viewType: 'ALL' });
  return page.items;
}

describe('publishLocalRuns (local store → injected target store)', () => {
  it('publishes runs with their start time, name, tags, params, full metric histories, artifacts, status and end time', async () => {
    const src = await makeSource();
    const target = new FileStore(freshDir('dst'));
    const events: string[] = [];
    const summary = await publishLocalRuns({ from: src.root, to: target, onProgress: (e) => events.push(`${e.stage}:${e.index}/${e.total}`) });

    assert.equal(summary.runs.length, 2);
    const [p, c] = summary.runs;
    assert.equal(p!.localId, src.parentId, 'the parent goes first');
    assert.equal(c!.localId, src.childId);
    assert.deepEqual(
      { created: p!.created, metrics: p!.metrics, params: p!.params, artifacts: p!.artifacts },
      { created: true, metrics: 5001, params: 2, artifacts: 2 },
    );
    assert.deepEqual(events.slice(0, 4), ['run-started:1/2', 'records-sent:1/2', 'artifacts-sent:1/2', 'run-done:1/2']);

    const exp = await target.findExperimentByName('exp-a');
    assert.ok(exp, 'the experiment is created on the target by name');
    assert.notEqual(exp.experimentId, src.expId);
    assert.deepEqual(exp.tags, { owner: 'team-a' });
    assert.equal(p!.serverExperimentId, exp.experimentId);

    const run = await target.getRun(p!.serverId!);
    assert.equal(run.info.runName, 'parent');
    assert.equal(run.info.startTime, 1_700_000_000_000);
    assert.equal(run.info.endTime, 1_700_000_003_000);
    assert.equal(run.info.status, 'FAILED');
    assert.deepEqual(run.data.params, { lr: '0.01', layers: '3' });
    assert.equal(run.data.tags.team, 'ml');
    assert.equal(run.data.tags.stage, 'dev');
    assert.equal(run.data.tags[SOURCE_RUN_TAG], src.parentId);
    const loss = await target.getMetricHistory(p!.serverId!, 'loss');
    assert.equal(loss.length, 2500);
    assert.deepEqual(loss[2499], { key: 'loss', value: 1 / 2500, timestamp: 1_700_000_002_499, step: 2499 });
    assert.equal((await target.getMetricHistory(p!.serverId!, 'val/acc')).length, 2500);
    assert.ok(Number.isNaN((await target.getMetricHistory(p!.serverId!, 'odd'))[0]!.value));
    const dl = await target.downloadArtifacts(p!.serverId!, '', freshDir('dl'));
    assert.equal(await readFile(join(dl, 'notes', 'hello.txt'), 'utf8'), 'hello');
    assert.deepEqual(JSON.parse(await readFile(join(dl, 'config.json'), 'utf8')), { a: 1 });

    const child = await target.getRun(c!.serverId!);
    assert.equal(child.data.tags['mlflow.parentRunId'], p!.serverId, 'the parent id is mapped to the published parent');
    assert.equal(child.info.status, 'FINISHED');
    assert.deepEqual(c!.warnings, []);
  });

  it("publishes a run's dataset inputs, once even when published twice", async () => {
    const srcRoot = freshDir('src');
    const source = new FileStore(srcRoot);
    const local = await source.createRun({ experimentId: '0', startTime: 1_700_000_000_000, tags: [] });
    const dataset = { name: 'iris', digest: '0a1b2c3d', sourceType: 'local', source: '{"uri": "/data/iris.csv"}', profile: '{"num_rows": 3}' };
    await source.logInputs(local.runId, [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'train' }] }]);
    await source.updateRun(local.runId, { status: 'FINISHED', endTime: 1_700_000_001_000 });
    const target = new FileStore(freshDir('dst'));
    const first = await publishLocalRuns({ from: srcRoot, to: target });
    await publishLocalRuns({ from: srcRoot, to: target });
    const published = await target.getRun(first.runs[0]!.serverId!);
    assert.deepEqual(published.inputs, { datasetInputs: [{ dataset, tags: [{ key: 'mlflow.data.context', value: 'train' }] }] });
  });

  it('publishing twice creates nothing twice and sends no record again', async () => {
    const src = await makeSource();
    const { store: target, calls } = counting(new FileStore(freshDir('dst')));
    const first = await publishLocalRuns({ from: src.root, to: target });
    const createsAfterFirst = calls.createRun;
    const batchesAfterFirst = calls.logBatch;
    const second = await publishLocalRuns({ from: pathToFileUri(src.root), to: target });

    assert.equal(createsAfterFirst, 2);
    assert.equal(calls.createRun, 2, 'no run created by the second publish');
    assert.equal(calls.logBatch, batchesAfterFirst, 'no batch sent by the second publish');
    assert.deepEqual(
      second.runs.map((r) => [r.localId, r.serverId, r.created, r.metrics, r.params, r.tags]),
      first.runs.map((r) => [r.localId, r.serverId, false, 0, 0, 0]),
    );
    const exp = (await target.findExperimentByName('exp-a'))!;
    const all = await target.searchRuns({ experimentIds: [exp.experimentId], viewType: 'ALL' });
    assert.equal(all.items.length, 2);
    assert.equal((await target.getMetricHistory(first.runs[0]!.serverId!, 'loss')).length, 2500);
  });

  it('resumes an interrupted publish: only the points the target lacks are sent', async () => {
    const src = await makeSource();
    const target = new FileStore(freshDir('dst'));
    const first = await publishLocalRuns({ from: src.root, to: target, runIds: [src.parentId] });
    const serverId = first.runs[0]!.serverId!;
    // Simulate a publish that died after half of 'loss': rewrite the target's history.
    const exp = (await target.findExperimentByName('exp-a'))!;
    const lossFile = join(target.rootDir, exp.experimentId, serverId, 'metrics', 'loss');
    const lines = (await readFile(lossFile, 'utf8')).split('\n').filter(Boolean);
    await writeFile(lossFile, lines.slice(0, 1000).join('\n') + '\n');

    const again = await publishLocalRuns({ from: src.root, to: target, runIds: [src.parentId] });
    assert.equal(again.runs[0]!.created, false);
    assert.equal(again.runs[0]!.metrics, 1500);
    const loss = await target.getMetricHistory(serverId, 'loss');
    assert.equal(loss.length, 2500);
    assert.equal(new Set(loss.map((m) => m.step)).size, 2500);
  });

  it('maps the Default experiment "0" to the target\'s "0", and reuses a target experiment of the same name', async () => {
    const root = freshDir('src');
    const client = new RunlogClient({ trackingUri: root });
    const r0 = await client.createRun('0', { runName: 'in-default' });
    const expB = await client.createExperiment('exp-b');
    const rb = await client.createRun(expB, { runName: 'in-b' });
    await client.close();
    const target = new FileStore(freshDir('dst'));
    const existing = await target.createExperiment('exp-b');
    const summary = await publishLocalRuns({ from: root, to: target });
    const byLocal = new Map(summary.runs.map((r) => [r.localId, r]));
    assert.equal(byLocal.get(r0.info.runId)!.serverExperimentId, '0');
    assert.equal(byLocal.get(rb.info.runId)!.serverExperimentId, existing);
    assert.equal((await target.getRun(byLocal.get(r0.info.runId)!.serverId!)).info.status, 'RUNNING', 'a running run stays running');
  });

  it('skips deleted runs unless includeDeleted, which publishes them and deletes them on the target', async () => {
    const root = freshDir('src');
    const client = new RunlogClient({ trackingUri: root });
    const live = await client.createRun('0', { runName: 'live' });
    const gone = await client.createRun('0', { runName: 'gone' });
    client.logMetric(gone.info.runId, 'm', 1, { step: 0, timestamp: 1 });
    await client.flush();
    await client.deleteRun(gone.info.runId);
    await client.close();

    const target = new FileStore(freshDir('dst'));
    const summary = await publishLocalRuns({ from: root, to: target });
    const skipped = summary.runs.find((r) => r.localId === gone.info.runId)!;
    assert.equal(skipped.skipped, 'deleted');
    assert.equal(skipped.serverId, null);
    assert.equal((await findBySource(target, '0', gone.info.runId)).length, 0);
    assert.ok(summary.runs.find((r) => r.localId === live.info.runId)!.serverId);

    const withDeleted = await publishLocalRuns({ from: root, to: target, includeDeleted: true });
    const published = withDeleted.runs.find((r) => r.localId === gone.info.runId)!;
    assert.equal(published.skipped, undefined);
    assert.equal(published.metrics, 1);
    const onTarget = await target.getRun(published.serverId!);
    assert.equal(onTarget.info.lifecycleStage, 'deleted');
    // Published again: found deleted on the target, so nothing is recreated.
    const third = await publishLocalRuns({ from: root, to: target, includeDeleted: true });
    assert.equal(third.runs.find((r) => r.localId === gone.info.runId)!.skipped, 'deleted-on-target');
    assert.equal((await findBySource(target, '0', gone.info.runId)).length, 1);
  });

  it('keeps one run when an earlier create was duplicated (a resent runs/create), deleting the others', async () => {
    const root = freshDir('src');
    const client = new RunlogClient({ trackingUri: root });
    const run = await client.createRun('0', { runName: 'r', startTime: 5 });
    await client.close();
    const target = new FileStore(freshDir('dst'));
    const dupes = [];
    for (let i = 0; i < 2; i++) {
      dupes.push(await target.createRun({ experimentId: '0', startTime: 5, runName: 'r', tags: [{ key: SOURCE_RUN_TAG, value: run.info.runId }] }));
    }
    const summary = await publishLocalRuns({ from: root, to: target });
    const keep = [...dupes].sort((a, b) => (a.runId < b.runId ? -1 : 1))[0]!.runId;
    assert.equal(summary.runs[0]!.serverId, keep);
    assert.equal(summary.runs[0]!.created, false);
    const found = await findBySource(target, '0', run.info.runId);
    assert.deepEqual(
      found.map((r) => [r.info.runId, r.info.lifecycleStage]).sort(),
      dupes.map((d) => [d.runId, d.runId === keep ? 'active' : 'deleted']).sort(),
    );
  });

  it('orders parents before children whatever their start times', () => {
    const mk = (id: string, startTime: number, parent?: string): LocalRun => ({
      run: {
        info: { runId: id, runName: id, experimentId: '0', userId: 'u', status: 'FINISHED', startTime, artifactUri: '', lifecycleStage: 'active' },
        data: { metrics: {}, params: {}, tags: parent ? { 'mlflow.parentRunId': parent } : {} },
      },
      experiment: { experimentId: '0', name: 'Default', artifactLocation: '', lifecycleStage: 'active', tags: {} },
    });
    const order = parentsFirst([mk('c', 1, 'b'), mk('b', 2, 'a'), mk('a', 3), mk('x', 0), mk('loop1', 4, 'loop2'), mk('loop2', 5, 'loop1')]);
    assert.deepEqual(order.map((r) => r.run.info.runId), ['x', 'a', 'b', 'c', 'loop2', 'loop1']);
  });

  it('refuses bad input with typed errors before writing anything', async () => {
    const target = new FileStore(freshDir('dst'));
    await assert.rejects(publishLocalRuns({ from: join(tmp, 'missing'), to: target }), (err) => err instanceof NotFoundError && /does not exist/.test(err.message));
    const file = join(tmp, 'a-file');
    await writeFile(file, 'x');
    await assert.rejects(publishLocalRuns({ from: file, to: target }), InvalidArgumentError);
    const empty = freshDir('empty');
    await mkdir(empty, { recursive: true });
    await assert.rejects(publishLocalRuns({ from: empty, to: target }), (err) => err instanceof InvalidArgumentError && /not an mlruns directory/.test(err.message));
    assert.deepEqual(await readdir(empty), [], 'the source directory was not touched');
    await assert.rejects(publishLocalRuns({ from: 's3://bucket/mlruns', to: target }), InvalidArgumentError);

    const src = await makeSource();
    await assert.rejects(
      publishLocalRuns({ from: src.root, to: target, runIds: ['0123456789abcdef0123456789abcdef'] }),
      (err) => err instanceof NotFoundError && /0123456789abcdef0123456789abcdef/.test(err.message),
    );
    await assert.rejects(publishLocalRuns({ from: src.root, to: target, experimentIds: ['424242'] }), NotFoundError);
    await assert.rejects(publishLocalRuns({ from: src.root, to: target, runIds: [src.parentId], experimentIds: ['0'] }), InvalidArgumentError);
    await assert.rejects(publishLocalRuns({ from: src.root, to: freshDir('not-a-server') }), (err) => err instanceof InvalidArgumentError && /http/.test(err.message));
    const page = await target.searchRuns({ experimentIds: ['0'], viewType: 'ALL' });
    assert.equal(page.items.length, 0, 'nothing was published');
  });
});

describe('publishLocalRuns with progress marks (issue #11: a repeat publish took 11 s for 0 points)', () => {
  it('a repeat publish of unchanged runs makes no call to the target; a changed run is checked and sends only what is new', async () => {
    const src = await makeSource();
    const marksDir = freshDir('marks');
    const { store: target, calls } = counting(new FileStore(freshDir('dst')));
    const first = await publishLocalRuns({ from: src.root, to: target, marksDir });
    assert.ok(first.runs.every((r) => !r.unchanged));
    const marksFiles = await readdir(marksDir);
    assert.equal(marksFiles.length, 1, 'one marks file for the target');

    for (const k of Object.keys(calls)) delete calls[k];
    const events: string[] = [];
    const second = await publishLocalRuns({ from: src.root, to: target, marksDir, onProgress: (e) => events.push(e.stage) });
    assert.deepEqual(calls, {}, 'nothing read from or sent to the target');
    assert.deepEqual(events, ['run-unchanged', 'run-unchanged']);
    assert.deepEqual(
      second.runs.map((r) => [r.localId, r.serverId, r.unchanged, r.metrics, r.artifacts]),
      first.runs.map((r) => [r.localId, r.serverId, true, 0, 0]),
    );

    // One more point in the child: only the child is checked again, and only the new point goes.
    const client = new RunlogClient({ trackingUri: src.root });
    client.logMetric(src.childId, 'child_metric', 43, { step: 8, timestamp: 1_700_000_001_002 });
    await client.close();
    const third = await publishLocalRuns({ from: src.root, to: target, marksDir });
    const [p, c] = third.runs;
    assert.equal(p!.unchanged, true);
    assert.equal(c!.unchanged, undefined);
    assert.equal(c!.metrics, 1);
    assert.equal(c!.serverId, first.runs[1]!.serverId);
    assert.equal((await target.getMetricHistory(c!.serverId!, 'child_metric')).length, 2);
    assert.equal(
      (await target.getRun(c!.serverId!)).data.tags['mlflow.parentRunId'],
      p!.serverId,
      'a child of an unchanged parent still maps its parent tag',
    );
  });

  it('without marksDir every run is checked against the target again', async () => {
    const src = await makeSource();
    const { store: target, calls } = counting(new FileStore(freshDir('dst')));
    await publishLocalRuns({ from: src.root, to: target });
    for (const k of Object.keys(calls)) delete calls[k];
    await publishLocalRuns({ from: src.root, to: target });
    assert.ok((calls.getMetricHistory ?? 0) > 0 && (calls.logArtifact ?? 0) > 0, JSON.stringify(calls));
  });
});
