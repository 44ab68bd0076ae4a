// Issue 10: files damaged by a crash (a torn last line, an empty metric file, a leftover temp
// file) are read past with one warning, never failing a whole experiment; the next append cuts a
// torn tail off; the experiments lock is taken over from a dead holder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CorruptStoreError } from '../src/errors.js';
import { withFileLock } from '../src/stores/file-lock.js';
import { FileStore } from '../src/stores/file-store.js';
import { selectLocalRuns } from '../src/sync/local-source.js';

let tmp: string;
let n = 0;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-damaged-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** Warnings emitted while `fn` runs, as `code: message`. */
async function warningsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error & { code?: string }) => seen.push(`${w.code}: ${w.message}`);
  process.on('warning', listener);
  try {
    await fn();
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

async function runWithPoints(): Promise<{ store: FileStore; root: string; expId: string; runId: string; runDir: string }> {
  const root = join(tmp, `s${++n}`);
  const store = new FileStore(root);
  const expId = await store.createExperiment('damaged');
  const runId = (await store.createRun({ experimentId: expId, startTime: 1, tags: [] })).runId;
  const metrics = [0, 1, 2].map((step) => ({ key: 'loss', value: step / 2, timestamp: 100 + step, step }));
  await store.logBatch(runId, { metrics, params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'note', value: 'hi' }] });
  return { store, root, expId, runId, runDir: join(root, expId, runId) };
}

describe('FileStore reads past files damaged by a crash (issue 10)', () => {
  it('skips a torn last metric line with one warning in getRun, searchRuns, getMetricHistory and sync --from', async () => {
    const { store, expId, runId, runDir } = await runWithPoints();
    const file = join(runDir, 'metrics', 'loss');
    await appendFile(file, '100 7.5'); // a line whose write never finished
    const warnings = await warningsDuring(async () => {
      assert.equal((await store.getRun(runId)).data.metrics.loss, 1);
      assert.deepEqual((await store.getMetricHistory(runId, 'loss')).map((m) => m.step), [0, 1, 2]);
      assert.equal((await store.searchRuns({ experimentIds: [expId] })).items.length, 1);
      const { runs } = await selectLocalRuns(store, { experimentIds: [expId], includeDeleted: false });
      assert.deepEqual(runs.map((r) => r.run.info.runId), [runId]);
    });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^RUNLOG_TORN_LINE: .*metrics\/loss.*torn/);
  });

  it('cuts a torn tail off before the next append, so the file holds complete lines only', async () => {
    const { store, runId, runDir } = await runWithPoints();
    const file = join(runDir, 'metrics', 'loss');
    await appendFile(file, '100 7.5');
    const warnings = await warningsDuring(() => store.logBatch(runId, { metrics: [{ key: 'loss', value: 9, timestamp: 200, step: 3 }], params: [], tags: [] }));
    assert.equal(await readFile(file, 'utf8'), '100 0.0 0\n101 0.5 1\n102 1.0 2\n200 9.0 3\n');
    assert.match(warnings.join('\n'), /RUNLOG_TORN_LINE_REPAIRED/);
  });

  it('skips an empty metric file with one warning; the run keeps its other metrics', async () => {
    const { store, expId, runId, runDir } = await runWithPoints();
    await writeFile(join(runDir, 'metrics', 'empty'), '');
    const warnings = await warningsDuring(async () => {
      const run = await store.getRun(runId);
      assert.deepEqual(run.data.metrics, { loss: 1 });
      assert.deepEqual(await store.getMetricHistory(runId, 'empty'), []);
      assert.equal((await store.searchRuns({ experimentIds: [expId] })).items.length, 1);
    });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^RUNLOG_EMPTY_METRIC_FILE: .*metrics\/empty/);
  });

  it('leaves a run with a malformed line out of searchRuns with a warning, and returns the others', async () => {
    const { store, expId, runId, runDir } = await runWithPoints();
    const good = (await store.createRun({ experimentId: expId, startTime: 2, tags: [] })).runId;
    await appendFile(join(runDir, 'metrics', 'loss'), '100 0.5 1 glued 102 1.0 2\n');
    await assert.rejects(store.getRun(runId), CorruptStoreError);
    const warnings = await warningsDuring(async () => {
      assert.deepEqual((await store.searchRuns({ experimentIds: [expId] })).items.map((r) => r.info.runId), [good]);
    });
    assert.match(warnings.join('\n'), /RUNLOG_CORRUPT_RUN_SKIPPED: .*left out/);
  });

  it('writes params and tags through temp files in the run folder, never as keys, and leaves none behind', async () => {
    const { store, runId, runDir } = await runWithPoints();
    await store.logBatch(runId, { metrics: [], params: [{ key: 'a/b', value: 'x' }], tags: [{ key: 'note', value: 'changed' }, { key: 'c/d', value: 'y' }] });
    // A temp file a killed process left behind.
    await writeFile(join(runDir, '.runlog-0123456789ab.tmp'), 'half');
    const run = await store.getRun(runId);
    assert.deepEqual(run.data.params, { lr: '0.1', 'a/b': 'x' });
    assert.equal(run.data.tags.note, 'changed');
    assert.equal(run.data.tags['c/d'], 'y');
    for (const folder of ['params', 'tags', 'metrics']) {
      const names = await readdir(join(runDir, folder), { recursive: true });
      assert.ok(!names.some((f) => String(f).includes('.tmp')), `${folder}: ${names.join(', ')}`);
    }
  });
});

describe('the experiments lock file', () => {
  it('is taken over from a holder that died, and removed after use', async () => {
    const root = join(tmp, `s${++n}`);
    const store = new FileStore(root);
    await store.searchExperiments({}); // creates the root
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    await writeFile(join(root, '.runlog-experiments.lock'), `${dead} ${(await import('node:os')).hostname()} old`);
    await store.createExperiment('after-a-crash');
    assert.ok(await store.findExperimentByName('after-a-crash'));
    assert.deepEqual((await readdir(root)).filter((f) => f.startsWith('.runlog')), []);
  });

  it('is taken over once older than staleMs even if its holder looks alive', async () => {
    const lock = join(tmp, `lock-${++n}`);
    await writeFile(lock, `${process.ppid} elsewhere hung`);
    let ran = false;
    await new Promise((resolve) => setTimeout(resolve, 30));
    await withFileLock(lock, async () => void (ran = true), { staleMs: 10 });
    assert.equal(ran, true);
  });

  it('serializes holders in one process', async () => {
    const lock = join(tmp, `lock-${++n}`);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        withFileLock(lock, async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inside--;
        }),
      ),
    );
    assert.equal(most, 1);
  });
});
