import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { readFrames } from '../src/journal/journal-reader.js';
import { JournalWriter } from '../src/journal/journal-writer.js';
import { realFs, type AppenderFs } from '../src/journal/segment-appender.js';
import { ManualClock } from './support/manual-clock.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

// The journal writer's commit timer and the appender's fsync timer run on the injected clock: time
// is moved by hand, so the intervals below are long (a real timer of that length would never fire
// within the test, and one that ignored the clock would fail the "then it is" half).

const tempDir = () => mkdtempSync(join(tmpdir(), 'runlog-journal-clock-test-'));
const INTERVAL = 60_000;

async function kinds(path: string): Promise<string[]> {
  const out: string[] = [];
  for await (const f of readFrames(path)) out.push(f.record.t);
  return out;
}

/** The real file calls, counting the asynchronous fsyncs (the interval fsync's). */
function countingFs(): { fs: AppenderFs; fsyncs: number } {
  const state = { fsyncs: 0, fs: undefined as unknown as AppenderFs };
  state.fs = {
    ...realFs,
    fsync(fd, cb) {
      state.fsyncs++;
      realFs.fsync(fd, cb);
    },
  };
  return state;
}

describe('JournalWriter on an injected clock', () => {
  it('writes a record below commitRecords only once the clock passes commitIntervalMs', async () => {
    const clock = new ManualClock();
    const w = new JournalWriter({ journalDir: tempDir(), trackingUri: 'http://x', commitIntervalMs: INTERVAL, clock });
    try {
      w.registerRun({ id: 'r1', sid: 'r1' });
      w.addMetric('r1', 'loss', 1, 1000, 0);
      await w.drain();
      assert.deepEqual(await kinds(w.segmentPath(1)), ['hello'], 'only the segment header before any clock time');
      await clock.advance(INTERVAL - 1);
      await w.drain();
      assert.deepEqual(await kinds(w.segmentPath(1)), ['hello'], 'still waiting 1 ms before the interval');
      await clock.advance(1);
      await w.drain();
      assert.deepEqual(await kinds(w.segmentPath(1)), ['hello', 'run', 'm'], 'written once the interval passed');
      assert.equal(clock.pendingTimers > 0, true, 'the fsync of that write waits on the clock too');
    } finally {
      w.closeSync();
    }
  });

  it("with fsync 'interval', fsyncs written data only after fsyncIntervalMs of clock time", async () => {
    const clock = new ManualClock();
    const disk = countingFs();
    const w = new JournalWriter({ journalDir: tempDir(), trackingUri: 'http://x', fsync: 'interval', fsyncIntervalMs: INTERVAL, fs: disk.fs, clock });
    try {
      w.registerRun({ id: 'r1', sid: 'r1' });
      w.addMetric('r1', 'loss', 1, 1000, 0);
      w.commit();
      await w.drain();
      assert.deepEqual(await kinds(w.segmentPath(1)), ['hello', 'run', 'm']);
      assert.equal(disk.fsyncs, 0, 'written, not yet forced to disk');
      await clock.advance(INTERVAL - 1);
      assert.equal(disk.fsyncs, 0, 'not before the interval');
      await clock.advance(1);
      assert.equal(disk.fsyncs, 1, 'one fsync once the interval passed');
      // The next write starts a new interval: no fsync until it too has passed.
      w.addMetric('r1', 'loss', 2, 1001, 1);
      w.commit();
      await w.drain();
      await clock.advance(INTERVAL - 1);
      assert.equal(disk.fsyncs, 1);
      await clock.advance(1);
      assert.equal(disk.fsyncs, 2);
      // Nothing written since: no timer waits, no further fsync.
      await clock.advance(2 * INTERVAL);
      assert.equal(disk.fsyncs, 2);
    } finally {
      w.closeSync();
    }
  });

  it("a journaled client's writer runs on the uploader's clock", async () => {
    const server = await new RecordingServer().start();
    server.responder = (req, res) => {
      if (req.path.endsWith('/runs/create')) {
        return sendJson(res, 200, { run: { info: { run_id: 'srv1', run_name: 'r', experiment_id: '0', status: 'RUNNING', start_time: 1, artifact_uri: '', lifecycle_stage: 'active' }, data: {} } });
      }
      return undefined;
    };
    const clock = new ManualClock();
    const client = new RunlogClient({
      trackingUri: server.url,
      journal: { dir: tempDir(), commitIntervalMs: INTERVAL, fsyncIntervalMs: INTERVAL },
      uploader: { clock, batchDelayMs: 5 },
    });
    try {
      const runId = (await client.createRun('0')).info.runId;
      const writer = client.journal!.writer;
      await writer.drain();
      const before = await kinds(writer.segmentPath(1));
      client.logMetric(runId, 'm', 1, { step: 0 });
      await writer.drain();
      assert.deepEqual(await kinds(writer.segmentPath(1)), before, 'the metric waits for the commit interval');
      await clock.advance(INTERVAL);
      await writer.drain();
      assert.equal((await kinds(writer.segmentPath(1))).includes('m'), true, 'written once the uploader clock passed the interval');
    } finally {
      // The uploader's timers are on the manual clock too: move it while the client closes.
      let closed = false;
      const closing = client.close(1000).finally(() => (closed = true));
      while (!closed) await clock.advance(50);
      await closing;
      await server.stop();
    }
  });
});
