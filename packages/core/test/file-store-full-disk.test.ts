// Issue 10, "The local store survives full disks and crashes": a real tmpfs fills up (ENOSPC) and
// turns read-only (EROFS) under a logging client.
import assert from 'node:assert/strict';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { StoreWriteError } from '../src/errors.js';
import { asStoreWriteError } from '../src/stores/disk-errors.js';
import { diskSkip, mountSmallDisk, type SmallDisk } from './support/tmpfs.js';

const disk = await mountSmallDisk('8m');
const FAST_RETRY = { maxRetries: Infinity, baseDelayMs: 20, maxDelayMs: 200, jitterMs: 10 };
const T0 = 1_700_000_000_000;

/** Every line of a metric file: complete ('\n'-terminated) and parsed; the steps in file order. */
async function metricSteps(file: string): Promise<{ steps: number[]; torn: boolean; malformed: number }> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const lines = text.split('\n');
  const torn = lines.pop() !== '';
  let malformed = 0;
  const steps: number[] = [];
  for (const line of lines) {
    const parts = line.split(' ');
    if (parts.length !== 3 || !/^\d+$/.test(parts[0]!) || !/^\d+$/.test(parts[2]!)) malformed++;
    else steps.push(Number(parts[2]));
  }
  return { steps, torn, malformed };
}

function duplicates(steps: number[]): number {
  return steps.length - new Set(steps).size;
}

describe('FileStore on a full or read-only disk (issue 10)', { skip: diskSkip(disk) }, () => {
  after(async () => {
    if (typeof disk !== 'string') await disk.unmount();
  });

  it('writes each of 150,000 points once across ENOSPC, reports ENOSPC at once, refuses to end the run, and lands everything once space returns', async () => {
    assert.ok(typeof disk !== 'string', `a tmpfs is needed under CI=true: ${disk}`);
    const { dir } = disk as SmallDisk;
    const root = join(dir, 'mlruns');
    const errors: Error[] = [];
    const client = new RunlogClient({ trackingUri: root, onError: (e) => errors.push(e), uploader: { retry: FAST_RETRY } });
    const expId = await client.createExperiment('full-disk');
    const run = await client.createRun(expId, { runName: 'full' });
    const runId = run.info.runId;
    // Leave about 1 MB free: the 150,000 lines need about 4 MB.
    const filler = join(dir, 'filler');
    await writeFile(filler, Buffer.alloc(7 * 1024 * 1024 - 64 * 1024));
    const points = 150_000;
    for (let step = 0; step < points; step++) client.logMetric(runId, 'loss', step / 7, { step, timestamp: T0 + step });
    client.setTag(runId, 'phase', 'logged');

    assert.equal(await client.flush(60_000), false, 'flush() must not claim success while the disk is full');
    const reported = errors.find((e) => e instanceof StoreWriteError);
    assert.ok(reported instanceof StoreWriteError, `onError got a StoreWriteError: ${errors.map((e) => e.message).join('; ')}`);
    assert.equal(reported.errno, 'ENOSPC');
    assert.match(reported.path, /metrics\/loss$|tags\/phase$/);
    assert.match(reported.message, /ENOSPC/);
    assert.equal(errors.filter((e) => e instanceof StoreWriteError).length, 1, 'one report per spell of a full disk');

    const ending = await client.setTerminated(runId, 'FINISHED', { timeoutMs: 60_000 }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(ending instanceof StoreWriteError, `endRun rejects with StoreWriteError, got ${String(ending)}`);
    assert.equal(ending.code, 'RUNLOG_ERR_STORE_WRITE');
    assert.equal(ending.errno, 'ENOSPC');
    assert.ok((ending.unsent ?? 0) > 0);
    assert.match(ending.message, /ENOSPC/);

    // While the disk is full the file holds complete lines only, each step once.
    const file = join(root, expId, runId, 'metrics', 'loss');
    const partial = await metricSteps(file);
    assert.equal(partial.torn, false, 'no torn line while the disk is full');
    assert.equal(partial.malformed, 0);
    assert.equal(duplicates(partial.steps), 0);
    assert.ok(partial.steps.length < points, 'the disk did fill up');
    assert.equal(client.stats().dropped, 0, 'records stay queued');

    await unlink(filler);
    assert.equal(await client.flush(60_000), true, 'everything lands once there is space');
    const full = await metricSteps(file);
    assert.equal(full.torn, false);
    assert.equal(full.malformed, 0);
    assert.equal(duplicates(full.steps), 0, 'no step written twice');
    assert.equal(full.steps.length, points, 'one line per point');
    assert.deepEqual(full.steps, Array.from({ length: points }, (_, i) => i));
    await client.setTerminated(runId, 'FINISHED');
    const back = await client.getRun(runId);
    assert.equal(back.info.status, 'FINISHED');
    assert.equal(back.data.tags.phase, 'logged');
    assert.equal((await client.getMetricHistory(runId, 'loss')).length, points);
    await client.close();
  });

  it('reports EROFS at once with the path on a disk remounted read-only, and writes once it is writable again', async () => {
    assert.ok(typeof disk !== 'string', `a tmpfs is needed under CI=true: ${disk}`);
    const small = disk as SmallDisk;
    const root = join(small.dir, 'mlruns-ro');
    const errors: Error[] = [];
    const client = new RunlogClient({ trackingUri: root, onError: (e) => errors.push(e), uploader: { retry: FAST_RETRY } });
    const expId = await client.createExperiment('read-only');
    const runId = (await client.createRun(expId)).info.runId;
    await small.remount('ro');
    try {
      for (let step = 0; step < 1000; step++) client.logMetric(runId, 'acc', step, { step, timestamp: T0 + step });
      client.logParam(runId, 'lr', 0.1);
      assert.equal(await client.flush(30_000), false);
      const reported = errors.find((e) => e instanceof StoreWriteError) as StoreWriteError | undefined;
      assert.equal(reported?.errno, 'EROFS');
      assert.ok(reported.path.startsWith(join(root, expId, runId)), reported.path);
    } finally {
      await small.remount('rw');
    }
    assert.equal(await client.flush(30_000), true);
    const { steps, torn } = await metricSteps(join(root, expId, runId, 'metrics', 'acc'));
    assert.equal(torn, false);
    assert.deepEqual(steps, Array.from({ length: 1000 }, (_, i) => i));
    assert.equal((await client.getRun(runId)).data.params.lr, '0.1');
    await client.close();
  });
});

describe('disk errors of the local store', () => {
  it('turns ENOSPC, EDQUOT, EROFS and EIO into StoreWriteError with errno and path, and leaves other errors alone', () => {
    for (const errno of ['ENOSPC', 'EDQUOT', 'EROFS', 'EIO']) {
      const err = asStoreWriteError(Object.assign(new Error(`${errno}: failed, write`), { code: errno }), '/store/run/metrics/m');
      assert.ok(err instanceof StoreWriteError, errno);
      assert.equal(err.errno, errno);
      assert.equal(err.path, '/store/run/metrics/m');
      assert.match(err.message, new RegExp(`${errno}.*|/store/run/metrics/m`));
    }
    const other = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    assert.equal(asStoreWriteError(other, '/x'), other);
  });
});
