import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { decodeFrame, encodeFrame } from '../src/journal/frame-codec.js';
import { readFrames } from '../src/journal/journal-reader.js';
import { decodeMetrics, type MetricsRecord } from '../src/journal/journal-format.js';
import { scanSession } from '../src/journal/journal-scan.js';
import { syncJournals } from '../src/journal/journal-sync.js';
import { JournalWriter } from '../src/journal/journal-writer.js';
import { fillableDisk } from './support/fillable-disk.js';
import { ManualClock } from './support/manual-clock.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'runlog-journal-test-'));

async function frames(path: string, onCorrupt?: (c: { reason: string; offset: number }) => void) {
  const out = [];
  for await (const f of readFrames(path, { onCorrupt })) out.push(f.record);
  return out;
}

/** A fake MLflow endpoint set: run creation, search by tag, log-batch and update; `down` answers 503. */
interface FakeState {
  down: boolean;
  runs: Map<string, string>;
  points: Map<string, number[]>;
  /** Answer log-batch with 401, as an auth proxy with an expired token does. */
  unauthorized?: boolean;
  /** Answer runs/update with 404 RESOURCE_DOES_NOT_EXIST (the run was deleted on the server). */
  runGone?: boolean;
}

function mlflowLike(server: RecordingServer, state: FakeState) {
  let n = 0;
  server.responder = (req, res) => {
    if (state.down) return sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' });
    if (state.unauthorized && req.path.endsWith('/runs/log-batch')) return sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: 'Unauthorized' });
    if (state.runGone && req.path.endsWith('/runs/update')) return sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run not found' });
    if (req.path.endsWith('/runs/create')) {
      const id = `srv${++n}`;
      const cid = (req.body.tags as Array<{ key: string; value: string }>).find((t) => t.key === 'runlog.clientRunId')?.value ?? '';
      state.runs.set(cid, id);
      return sendJson(res, 200, { run: { info: { run_id: id, run_name: 'r', experiment_id: '0', status: 'RUNNING', start_time: 1, artifact_uri: '', lifecycle_stage: 'active' }, data: {} } });
    }
    if (req.path.endsWith('/runs/search')) {
      const cid = /= '(.*)'/.exec(req.body.filter)?.[1] ?? '';
      const id = state.runs.get(cid);
      return sendJson(res, 200, id ? { runs: [{ info: { run_id: id } }] } : {});
    }
    if (req.path.endsWith('/runs/log-batch')) {
      const list = state.points.get(req.body.run_id) ?? [];
      for (const m of req.body.metrics ?? []) list.push(m.step);
      state.points.set(req.body.run_id, list);
    }
    if (req.path.endsWith('/runs/update')) {
      return sendJson(res, 200, { run_info: { run_id: req.body.run_id, status: req.body.status, start_time: 1, experiment_id: '0', lifecycle_stage: 'active', artifact_uri: '' } });
    }
    return undefined;
  };
}

describe('journal frames', () => {
  it('round-trips records and detects a damaged checksum', () => {
    const line = encodeFrame({ t: 'p', r: 'x', o: 0, kv: [['a', 'b']] }).trimEnd();
    assert.deepEqual(decodeFrame(line), { ok: true, record: { t: 'p', r: 'x', o: 0, kv: [['a', 'b']] }, records: 0 });
    const damaged = line.replace('"a"', '"c"');
    assert.deepEqual(decodeFrame(damaged), { ok: false, reason: 'checksum mismatch', records: 0 });
  });

  it('skips a damaged frame in the middle and a truncated tail, with a report for each, and reads the rest', async () => {
    const dir = tempDir();
    const path = join(dir, '000001.wal');
    const good = (i: number) => encodeFrame({ t: 'p', r: 'run', o: i, kv: [[`k${i}`, 'v']] });
    writeFileSync(path, good(0) + good(1).replace('k1', 'kX') + good(2) + good(3).slice(0, 20));
    const corrupt: Array<{ reason: string; offset: number }> = [];
    const got = await frames(path, (c) => corrupt.push(c));
    assert.deepEqual(got.map((r) => (r as { o: number }).o), [0, 2]);
    assert.deepEqual(corrupt.map((c) => c.reason), ['checksum mismatch', 'truncated record (no newline)']);
    assert.equal(corrupt[0]!.offset, good(0).length);
  });
});

describe('JournalWriter', () => {
  it('group-commits records into one segment and numbers them per run and kind', async () => {
    const root = tempDir();
    const w = new JournalWriter({ journalDir: root, trackingUri: 'http://x' });
    w.registerRun({ id: 'r1', sid: 'r1' });
    for (let i = 0; i < 5; i++) w.addMetric('r1', i % 2 ? 'a' : 'b', i, 1000 + i, i);
    w.addMetric('r1', 'nan', Number.NaN, 1, 0);
    w.addParam('r1', 'lr', '0.1');
    w.setTag('r1', 't', 'v');
    w.deleteTag('r1', 't');
    w.commit();
    await w.drain();
    const recs = await frames(w.segmentPath(1));
    assert.deepEqual(recs.map((r) => r.t), ['hello', 'run', 'm', 'p', 'g']);
    const m = decodeMetrics(recs[2] as MetricsRecord);
    assert.deepEqual(
      [m.n, m.ks, [...m.k], [...m.v], [...m.ts], [...m.st]],
      [6, ['b', 'a', 'nan'], [0, 1, 0, 1, 0, 2], [0, 1, 2, 3, 4, Number.NaN], [1000, 1001, 1002, 1003, 1004, 1], [0, 1, 2, 3, 4, 0]],
    );
    assert.deepEqual((recs[4] as any).ops, [['t', 'v'], ['t']]);
    assert.equal(w.unsettled, 9);
    w.closeSync();
    const summary = await scanSession(w.sessionDir);
    assert.equal(summary.closed, true);
    assert.equal(summary.unsettled, 9);
  });

  it('deletes segments once their records are acknowledged, and the session when nothing is left', async () => {
    const root = tempDir();
    const w = new JournalWriter({ journalDir: root, trackingUri: 'http://x', segmentBytes: 2000 });
    w.registerRun({ id: 'r1', sid: 'r1' });
    for (let i = 0; i < 300; i++) {
      w.addMetric('r1', 'loss', i, 1000 + i, i);
      if (i % 50 === 49) w.commit();
    }
    w.commit();
    await w.drain();
    assert.ok(w.segmentIndexes().length >= 3, `rolled into ${w.segmentIndexes().length} segments`);
    w.ack('r1', 150, 0, 0);
    w.commit();
    const afterHalf = w.segmentIndexes();
    assert.ok(afterHalf.length >= 2 && afterHalf[0]! > 1, `older segments trimmed: ${afterHalf}`);
    w.endRun('r1', 'FINISHED', 5);
    w.ack('r1', 300, 0, 0);
    w.ackEnd('r1');
    w.commit();
    assert.equal(w.unsettled, 0);
    w.closeSync();
    assert.equal(existsSync(w.sessionDir), false);
  });
});

describe('journaled client against a server that goes away', () => {
  it('keeps memory bounded by spilling to the journal, then uploads every point once, in order once the backlog is read back, when the server returns', async () => {
    const server = await new RecordingServer().start();
    const state: FakeState = { down: false, runs: new Map(), points: new Map() };
    mlflowLike(server, state);
    const client = new RunlogClient({
      trackingUri: server.url,
      journal: { dir: tempDir(), memoryRecords: 2000, commitIntervalMs: 5 },
      // One request at a time, so that arrival order at the server is dispatch order.
      uploader: { concurrency: 1, retry: { maxRetries: Infinity, baseDelayMs: 20, maxDelayMs: 50, jitterMs: 0 }, batchDelayMs: 5 },
    });
    const downRequests = () => server.find('/runs/log-batch').length;
    try {
      const run = await client.createRun('0');
      state.down = true;
      let maxQueued = 0;
      for (let i = 0; i < 30_000; i++) {
        client.logMetric(run.info.runId, 'm', i, { step: i, timestamp: 1_000_000 + i });
        if (i % 1000 === 0) {
          maxQueued = Math.max(maxQueued, client.uploader.queuedRecords + client.uploader.stats().inflight);
          await new Promise((r) => setImmediate(r));
        }
      }
      assert.equal(client.journal!.spilled, true);
      // The bound: the memory limit, plus what the request in flight carries.
      assert.ok(maxQueued <= 2000 + 1000, `memory held at most ${maxQueued} records`);
      const before = downRequests();
      assert.equal(await client.flush(300), false);
      // While the server is down no new batch starts: only the request in flight is retried,
      // every 20-50 ms here. A hot loop would make thousands.
      assert.ok(downRequests() - before <= 300 / 20 + 2, `${downRequests() - before} requests in 300 ms of outage`);
      state.down = false;
      assert.equal(await client.flush(60_000), true);
      const steps = state.points.get(run.info.runId)!;
      assert.equal(steps.length, 30_000);
      assert.equal(new Set(steps).size, 30_000);
      // In logging order, including everything read back from the journal.
      assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
      assert.equal(client.journal!.spilled, false);
      assert.equal(client.pendingRecords, 0);
    } finally {
      await client.close(1000);
      await server.stop();
    }
  });

  it('starts a run offline with a local id, creates it once when the server returns, and sends its records there', async () => {
    const server = await new RecordingServer().start();
    const state: FakeState = { down: true, runs: new Map(), points: new Map() };
    mlflowLike(server, state);
    const client = new RunlogClient({
      trackingUri: server.url,
      journal: { dir: tempDir(), commitIntervalMs: 5 },
      uploader: { retry: { maxRetries: Infinity, baseDelayMs: 20, maxDelayMs: 50, jitterMs: 0 }, batchDelayMs: 5 },
      onError: () => undefined,
    });
    try {
      const run = await client.createRun('0', { runName: 'offline' });
      assert.match(run.info.runId, /^[0-9a-f]{32}$/);
      for (let i = 0; i < 100; i++) client.logMetric(run.info.runId, 'm', i, { step: i });
      client.logParam(run.info.runId, 'p', 1);
      state.down = false;
      await client.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 30_000 });
      assert.equal(server.find('/runs/create').filter((r) => r.body).length >= 2, true, 'one refused attempt, then the creation');
      assert.equal(state.runs.size, 1, 'created once');
      const sid = state.runs.get(run.info.runId)!;
      assert.equal(state.points.get(sid)!.length, 100);
      const update = server.find('/runs/update').at(-1)!;
      assert.deepEqual([update.body.run_id, update.body.status], [sid, 'FINISHED']);
      assert.equal(client.pendingRecords, 0);
    } finally {
      await client.close(1000);
      await server.stop();
    }
  });

  it('leaves what the server did not take in a closed journal that syncJournals uploads, once', async () => {
    const server = await new RecordingServer().start();
    const state: FakeState = { down: false, runs: new Map(), points: new Map() };
    mlflowLike(server, state);
    const dir = tempDir();
    const client = new RunlogClient({
      trackingUri: server.url,
      journal: { dir, commitIntervalMs: 5 },
      uploader: { retry: { maxRetries: Infinity, baseDelayMs: 20, maxDelayMs: 50, jitterMs: 0 }, batchDelayMs: 5 },
    });
    const run = await client.createRun('0');
    assert.equal(await client.flush(5000), true);
    state.down = true;
    for (let i = 0; i < 500; i++) client.logMetric(run.info.runId, 'm', i, { step: i });
    await client.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 100 });
    assert.equal(await client.close(100), false);
    const [session] = readdirSync(dir);
    assert.ok(session, 'the session stays');
    // With the server away, sync says so at once and keeps the session.
    await server.stop();
    const away = await syncJournals({ journal: dir });
    assert.deepEqual(away.map((r) => r.outcome), ['unreachable']);
    assert.deepEqual(readdirSync(dir), [session]);
    // Back on another port: replayed there with --to; the run is found again by its client id tag.
    await server.start();
    state.down = false;
    const warnings: string[] = [];
    // A damaged tail (a torn write) is reported and skipped; the rest replays.
    appendFileSync(join(dir, session, '000001.wal'), '0000abcd {"t":"m","r":');
    const results = await syncJournals({ journal: dir, to: server.url, onWarning: (m) => warnings.push(m) });
    assert.equal(results.length, 1);
    assert.equal(results[0]!.outcome, 'synced');
    assert.equal(results[0]!.records, 500);
    assert.equal(results[0]!.corruptFrames, 1);
    assert.ok(warnings.some((w) => w.includes('truncated record')), warnings.join('\n'));
    assert.equal(state.points.get(run.info.runId)!.length, 500);
    assert.equal(server.find('/runs/update').at(-1)!.body.status, 'FINISHED');
    // The session was closed, so the torn bytes are damage: no records lost, the segment is kept.
    assert.equal(results[0]!.lost, 0);
    assert.deepEqual(readdirSync(dir), ['quarantine']);
    assert.equal(state.runs.size, 1, 'no second run');
    assert.deepEqual(await syncJournals({ journal: dir }), []);
    await server.stop();
  });
});

describe('durability setting', () => {
  it('memory mode writes no journal; an unknown mode is refused', async () => {
    const dir = tempDir();
    const client = new RunlogClient({ trackingUri: 'http://127.0.0.1:9', durability: 'memory', journal: { dir } });
    assert.equal(client.journal, undefined);
    await client.close(10);
    assert.deepEqual(readdirSync(dir), []);
    assert.throws(() => new RunlogClient({ trackingUri: 'http://127.0.0.1:9', durability: 'disk' as never }), /Unknown durability 'disk'/);
    // An empty experiment id stands for "known by name only", which needs the name and a journal.
    const local = new RunlogClient({ trackingUri: join(dir, 'mlruns') });
    await assert.rejects(local.createRun('', { experimentName: 'x' }), /An experiment id is required/);
    const server = new RunlogClient({ trackingUri: 'http://127.0.0.1:9', journal: { dir } });
    await assert.rejects(server.createRun(''), /An experiment id is required/);
    await local.close();
    await server.close(10);
  });
});

/** Resolves once `cond()` holds, looking at every turn of the event loop (10 s at most: a guard against a hang). */
async function until(cond: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + 10_000;
  while (!cond()) {
    assert.ok(Date.now() < giveUp, `timed out waiting until ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

/** Awaits `p`, moving `clock` on by 50 ms at each turn until it settles (timers on it fire meanwhile). */
async function untilSettled<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let done = false;
  const settled = p.finally(() => (done = true));
  while (!done) await clock.advance(50);
  return settled;
}

describe('journal edge cases (from review)', () => {
  const fast = { retry: { maxRetries: Infinity, baseDelayMs: 10, maxDelayMs: 20, jitterMs: 0 }, batchDelayMs: 5 };
  async function setup(memoryRecords?: number, clock?: ManualClock) {
    const server = await new RecordingServer().start();
    const state: FakeState = { down: false, runs: new Map(), points: new Map() };
    mlflowLike(server, state);
    const dir = tempDir();
    const errors: string[] = [];
    const diskFull = fillableDisk();
    const client = new RunlogClient({
      trackingUri: server.url,
      journal: { dir, commitIntervalMs: 5, memoryRecords, fs: diskFull.fs },
      uploader: { ...fast, clock },
      onError: (e) => errors.push(e.message),
    });
    const runId = (await client.createRun('0')).info.runId;
    return { server, state, dir, client, runId, errors, diskFull };
  }

  it('a run logged to again after it ended goes on numbering: nothing is lost or sent twice, whether the server is up or down', async () => {
    for (const downAfterEnd of [false, true]) {
      const { server, state, dir, client, runId } = await setup();
      for (let i = 0; i < 1000; i++) client.logMetric(runId, 'm', i, { step: i });
      await client.setTerminated(runId, 'FINISHED');
      // The end and its acknowledgement reach the journal file (what the commit timer does later).
      await client.journal!.writer.sync();
      state.down = downAfterEnd;
      for (let i = 1000; i < 1200; i++) client.logMetric(runId, 'm', i, { step: i });
      await client.close(downAfterEnd ? 100 : 10_000);
      state.down = false;
      await syncJournals({ journal: dir });
      const steps = state.points.get(runId)!;
      assert.equal(steps.length, 1200, `server up after the end: ${!downAfterEnd}`);
      assert.equal(new Set(steps).size, 1200);
      assert.deepEqual(readdirSync(dir), []);
      await server.stop();
    }
  });

  it('records the server refuses with a 401 stay in the journal (flush says false) and sync lands them once the credentials work', async () => {
    const { server, state, dir, client, runId } = await setup();
    state.unauthorized = true;
    for (let i = 0; i < 3000; i++) client.logMetric(runId, 'm', i, { step: i });
    assert.equal(await client.flush(5000), false);
    assert.equal(client.pendingRecords, 3000);
    await client.close(100);
    state.unauthorized = false;
    const [result] = await syncJournals({ journal: dir });
    assert.equal(result!.outcome, 'synced');
    assert.equal(state.points.get(runId)!.length, 3000);
    await server.stop();
  });

  it('a journal write failure while spilled loses nothing: the disk backlog, then the unwritten records, go to the server', async () => {
    const { server, state, client, runId, errors, diskFull } = await setup(2000);
    state.down = true;
    let step = 0;
    for (; step < 8000; step++) client.logMetric(runId, 'm', step, { step });
    // The queue spills within the logging call that finds the uploader full.
    assert.equal(client.journal!.spilled, true);
    // The disk fails (ENOSPC at the writer's fs seam) before the next group is written.
    diskFull.full = true;
    for (; step < 9000; step++) client.logMetric(runId, 'm', step, { step });
    client.journal!.writer.commit();
    await client.journal!.writer.drain();
    assert.ok(diskFull.failures > 0);
    assert.ok(errors.some((e) => e.includes('kept in memory only')), errors.join('\n'));
    state.down = false;
    assert.equal(await client.flush(30_000), true);
    const steps = state.points.get(runId)!;
    assert.equal(new Set(steps).size, 9000);
    assert.equal(steps.length, 9000);
    await client.close(100);
    await server.stop();
  });

  it('a per-run flush while another run is spilled lets timers run instead of spinning', async () => {
    // Time is the manual clock's; each reading moves it 1 ms, so a flush that never yields still
    // reaches its deadline (and the test fails) instead of spinning forever.
    const clock = new ManualClock(undefined, 1);
    const { server, state, client, runId } = await setup(2000, clock);
    try {
      const other = (await client.createRun('0')).info.runId;
      state.down = true;
      for (let i = 0; i < 10_000; i++) client.logMetric(other, 'm', i, { step: i });
      assert.equal(client.journal!.spilled, true);
      // This run's records go to the journal only, behind the other run's full uploader queue.
      for (let i = 0; i < 100; i++) client.logMetric(runId, 'm', i, { step: i });
      // The first requests are out (and get 503s, retried on the clock).
      await until(() => client.uploader.queuedRecords === 0, 'the first requests go out');
      let result: boolean | undefined;
      const flushing = client.journal!.flush(300, runId).then((ok) => (result = ok));
      // The flush reads back what fits (the other run's records) and then finds nothing of this
      // run in the uploader and no room to read it into: it must wait on a timer between looks,
      // not loop on resolved promises (which, on this clock, ends at its deadline at once).
      await until(() => result !== undefined || client.uploader.queuedRecords >= 1000, 'the read-back fills the uploader');
      await new Promise((r) => setImmediate(r));
      assert.equal(result, undefined, 'the flush gave the event loop a turn before its deadline');
      await clock.advance(400);
      await flushing;
      assert.equal(result, false, 'the spilled records of the run were not sent by the deadline');
      state.down = false;
      await untilSettled(clock, client.close(30_000));
    } finally {
      await server.stop();
    }
  });

  it('close() applies a run end that waited for the server, and sync goes on when the server no longer has a run', async () => {
    const { server, state, dir, client, runId } = await setup();
    state.down = true;
    for (let i = 0; i < 100; i++) client.logMetric(runId, 'm', i, { step: i });
    await client.setTerminated(runId, 'FINISHED', { timeoutMs: 50 });
    state.down = false;
    assert.equal(await client.close(10_000), true);
    assert.equal(server.find('/runs/update').filter((r) => r.body?.status === 'FINISHED').length, 1);
    assert.deepEqual(readdirSync(dir), []);

    // A second client leaves a run end behind; the server then says the run is gone.
    const again = new RunlogClient({ trackingUri: server.url, journal: { dir, commitIntervalMs: 5 }, uploader: fast });
    const second = (await again.createRun('0')).info.runId;
    again.logMetric(second, 'm', 1, { step: 1 });
    state.down = true;
    await again.setTerminated(second, 'FINISHED', { timeoutMs: 50 });
    await again.close(50);
    state.down = false;
    state.runGone = true;
    const warnings: string[] = [];
    const [result] = await syncJournals({ journal: dir, onWarning: (w) => warnings.push(w) });
    assert.equal(result!.outcome, 'synced');
    assert.ok(warnings.some((w) => w.includes('its end was not applied')), warnings.join('\n'));
    await server.stop();
  });
});
