import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import * as runlog from '../src/index.js';

describe('fluent API on the local store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-fluent-'));
    runlog.setTrackingUri(join(dir, 'mlruns'));
  });
  afterEach(async () => {
    while (runlog.activeRun()) await runlog.endRun();
  });
  after(async () => {
    await runlog.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a run with the tags MLflow’s Python client sets, and ends it FINISHED', async () => {
    const run = await runlog.startRun({ runName: 'first', tags: { team: 'ml' } });
    assert.equal(runlog.activeRun(), run);
    runlog.logMetric('loss', 0.5, { step: 1 });
    await runlog.endRun();
    const stored = await runlog.getRun(run.runId);
    assert.equal(stored.info.status, 'FINISHED');
    assert.ok(stored.info.endTime! >= stored.info.startTime);
    assert.equal(stored.data.tags['mlflow.runName'], 'first');
    assert.equal(stored.data.tags['mlflow.source.type'], 'LOCAL');
    assert.equal(stored.data.tags.team, 'ml');
    assert.ok(stored.data.tags['mlflow.user']);
    assert.ok(stored.data.tags['mlflow.source.name']);
    assert.equal(stored.data.metrics.loss, 0.5);
  });

  it('refuses a second top-level run while one is active, and nests with nested: true', async () => {
    const parent = await runlog.startRun({ runName: 'parent' });
    await assert.rejects(runlog.startRun(), (e: unknown) => e instanceof runlog.RunAlreadyActiveError && e.message.includes(parent.runId));
    const child = await runlog.startRun({ runName: 'child', nested: true });
    assert.equal(runlog.activeRun(), child);
    await runlog.endRun();
    assert.equal(runlog.activeRun(), parent);
    await runlog.endRun();
    const stored = await runlog.getRun(child.runId);
    assert.equal(stored.data.tags['mlflow.parentRunId'], parent.runId);
  });

  it('refuses a second top-level run started concurrently in the same context, creating only one', async () => {
    const results = await Promise.allSettled([runlog.startRun({ runName: 'one' }), runlog.startRun({ runName: 'two' })]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.ok(rejected.reason instanceof runlog.RunAlreadyActiveError);
    await runlog.endRun();
    assert.equal(runlog.activeRun(), undefined);
  });

  it('throws NoActiveRunError for fluent logging without a run, and typed errors for bad input', async () => {
    assert.throws(() => runlog.logMetric('x', 1), runlog.NoActiveRunError);
    await runlog.startRun();
    assert.throws(() => runlog.logMetric('bad//key', 1), runlog.InvalidArgumentError);
    assert.throws(() => runlog.logMetric('x', '1' as unknown as number), runlog.InvalidArgumentError);
    runlog.logParam('lr', 0.1);
    runlog.logParam('lr', '0.1');
    assert.throws(() => runlog.logParam('lr', 0.2), /Changing param values is not allowed/);
    await assert.rejects(runlog.logArtifact(__filenameOf(), '../escape'), runlog.InvalidArgumentError);
    await assert.rejects(runlog.logText('x', '/abs/file.txt'), runlog.InvalidArgumentError);
    const run = runlog.activeRun()!;
    await runlog.endRun();
    const stored = await runlog.getRun(run.runId);
    assert.deepEqual(stored.data.params, { lr: '0.1' }, 'the bad calls lost nothing that was logged');
  });

  it('keeps concurrent withRun scopes apart', async () => {
    const ids = await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        runlog.withRun({ runName: name }, async (run) => {
          for (let i = 0; i < 50; i++) {
            runlog.logMetric('v', i, { step: i });
            await new Promise((r) => setImmediate(r));
          }
          runlog.setTag('who', name);
          assert.equal(runlog.activeRun(), run);
          return run.runId;
        }),
      ),
    );
    for (const [i, id] of ids.entries()) {
      const run = await runlog.getRun(id);
      assert.equal(run.data.tags.who, ['a', 'b', 'c'][i]);
      assert.equal((await runlog.getMetricHistory(id, 'v')).length, 50);
      assert.equal(run.info.status, 'FINISHED');
    }
    assert.equal(runlog.activeRun(), undefined);
  });

  it('ends a withRun run FAILED when the callback throws', async () => {
    let id = '';
    await assert.rejects(
      runlog.withRun({}, async (run) => {
        id = run.runId;
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await runlog.getRun(id)).info.status, 'FAILED');
  });

  it('keeps the status the user set when withRun ends the run afterwards', async () => {
    let id = '';
    await runlog.withRun({}, async (run) => {
      id = run.runId;
      await runlog.endRun('KILLED');
    });
    assert.equal((await runlog.getRun(id)).info.status, 'KILLED');
  });

  it('resumes MLFLOW_RUN_ID with the first top-level run only', async () => {
    const first = await runlog.startRun({ runName: 'env-resumed' });
    await runlog.endRun();
    process.env.MLFLOW_RUN_ID = first.runId;
    try {
      const resumed = await runlog.startRun();
      assert.equal(resumed.runId, first.runId);
      await runlog.endRun();
      const fresh = await runlog.startRun();
      assert.notEqual(fresh.runId, first.runId);
      await runlog.endRun();
    } finally {
      delete process.env.MLFLOW_RUN_ID;
    }
  });

  it('resumes a run by id', async () => {
    const run = await runlog.startRun({ runName: 'resumable' });
    runlog.logMetric('m', 1, { step: 0 });
    await runlog.endRun();
    const again = await runlog.startRun({ runId: run.runId });
    assert.equal(again.runId, run.runId);
    runlog.logMetric('m', 2, { step: 1 });
    await runlog.endRun();
    assert.deepEqual((await runlog.getMetricHistory(run.runId, 'm')).map((m) => m.value), [1, 2]);
  });

  it('searches the local store with MLflow filter syntax', async () => {
    await runlog.setExperiment('search-local');
    for (const [name, acc, lr] of [['a', 0.95, '0.1'], ['b', 0.85, '0.1'], ['c', 0.97, '0.2']] as const) {
      await runlog.withRun({ runName: name }, () => {
        runlog.logMetric('acc', acc);
        runlog.logParam('lr', lr);
      });
    }
    const page = await runlog.searchRuns({ experimentNames: ['search-local'], filter: "metrics.acc > 0.9 and params.lr = '0.1'" });
    assert.deepEqual(page.items.map((r) => r.info.runName), ['a']);
    const ordered = await runlog.searchRuns({ experimentNames: ['search-local'], orderBy: ['metrics.acc DESC'] });
    assert.deepEqual(ordered.items.map((r) => r.info.runName), ['c', 'a', 'b']);
    await assert.rejects(runlog.searchRuns({ experimentNames: ['search-local'], filter: 'metrics.acc >' }), runlog.InvalidFilterError);
  });
});

function __filenameOf(): string {
  return new URL(import.meta.url).pathname;
}
