import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ModelFormatError } from '@runlog/core';
import { LatencyHistogram } from '../src/latency-histogram.js';
import { readOnnxModelHeader } from '../src/onnx-model-header.js';
import { inspectOnnxModel } from '../src/onnx-proto.js';
import { SessionRecorder, type InferenceWindow } from '../src/session-recorder.js';
import { EXTERNAL, LINEAR, TWO_INPUT, readFixture, tempDir } from './support/fixtures.js';

/** A recorder on a hand-moved clock, collecting its windows. */
function recorder(opts: { logEveryNCalls?: number; logEveryMs?: number; random?: () => number } = {}) {
  let t = 0;
  const windows: InferenceWindow[] = [];
  const rec = new SessionRecorder({
    logEveryNCalls: opts.logEveryNCalls ?? 10,
    logEveryMs: opts.logEveryMs ?? 60_000,
    now: () => t,
    random: opts.random,
  });
  rec.sink = (w) => windows.push(w);
  /** One call of `ms` with `rows` rows, started now; returns whether it was timed. */
  const call = (ms: number, rows = 1): boolean => {
    const timed = rec.enter(rows);
    const start = t;
    t += ms;
    if (timed) rec.done(start);
    return timed;
  };
  return { rec, windows, call, advance: (ms: number) => (t += ms) };
}

describe('LatencyHistogram', () => {
  it('reports percentiles within 2.2% of the exact nearest-rank values', () => {
    const h = new LatencyHistogram();
    const xs = Array.from({ length: 10_000 }, (_, i) => 0.005 * 1.0007 ** i); // 5 µs .. ~5 ms
    for (const x of xs) h.record(x);
    const sorted = [...xs].sort((a, b) => a - b);
    const [p50, p95, p99] = h.quantiles([0.5, 0.95, 0.99]) as [number, number, number];
    for (const [got, q] of [[p50, 0.5], [p95, 0.95], [p99, 0.99]] as const) {
      const exact = sorted[Math.ceil(q * xs.length) - 1]!;
      assert.ok(Math.abs(got - exact) / exact < 0.022, `p${q * 100}: ${got} vs ${exact}`);
    }
  });

  it('reports identical latencies exactly, empty as NaN, and clamps out-of-range values', () => {
    const h = new LatencyHistogram();
    assert.ok(Number.isNaN(h.quantiles([0.5])[0]));
    for (let i = 0; i < 5; i++) h.record(0.016);
    assert.deepEqual(h.quantiles([0.5, 0.99]), [0.016, 0.016]);
    h.reset();
    h.record(0);
    h.record(1e9);
    assert.deepEqual(h.quantiles([0, 0.5, 1]), [0, 0, 1e9]);
    assert.equal(h.count, 2);
  });
});

describe('SessionRecorder', () => {
  it('hands out a window every N calls, at the start of the next call, with step = calls so far', () => {
    const { rec, windows, call } = recorder({ logEveryNCalls: 10 });
    for (let i = 0; i < 30; i++) call(0.25, 2);
    assert.deepEqual(windows.map((w) => w.totalCalls), [10, 20], 'the 30th call is not yet handed out');
    for (let i = 0; i < 5; i++) call(0.25, 2);
    assert.deepEqual(windows.map((w) => w.totalCalls), [10, 20, 30]);
    assert.equal(rec.flush('close'), true);
    assert.deepEqual(windows.map((w) => w.totalCalls), [10, 20, 30, 35]);
    assert.deepEqual(windows.map((w) => w.calls), [10, 10, 10, 5]);
    const w = windows[0]!;
    assert.equal(w.rowsPerCall, 2);
    assert.equal(w.latencyP50Ms, 0.25);
    assert.equal(w.latencyP99Ms, 0.25);
    assert.equal(w.timedCalls, 10);
    assert.equal(w.throughputRowsPerS, 8000); // 20 rows in 2.5 ms
    assert.equal(rec.flush('close'), false, 'an empty window is not handed out');
  });

  it('hands out a window when it is logEveryMs old: on a completed call, or by tick() when idle', () => {
    const { rec, windows, call, advance } = recorder({ logEveryNCalls: 1000, logEveryMs: 100 });
    call(40);
    call(40);
    assert.equal(windows.length, 0);
    call(40); // completes at 120 ms
    assert.deepEqual(windows.map((w) => w.totalCalls), [3]);
    call(1);
    advance(50);
    rec.tick();
    assert.equal(windows.length, 1, 'not yet logEveryMs old');
    advance(60);
    rec.tick();
    assert.deepEqual(windows.map((w) => w.totalCalls), [3, 4]);
    // An idle window ends at its last completion: 1 row in 1 ms, not in the 111 ms it sat idle.
    assert.equal(windows[1]!.throughputRowsPerS, 1000);
  });

  it('keeps one growing window while it has no sink, and hands it out once it has one', () => {
    const { rec, windows, call } = recorder({ logEveryNCalls: 5 });
    const sink = rec.sink;
    rec.sink = undefined;
    for (let i = 0; i < 12; i++) call(1);
    rec.sink = sink;
    call(1);
    assert.deepEqual(windows.map((w) => [w.totalCalls, w.calls]), [[12, 12]]);
  });

  it('times every call above ~0.14 ms, samples fast calls, and always times the first call of a window', () => {
    const slow = recorder({ logEveryNCalls: 1000 });
    for (let i = 0; i < 3000; i++) slow.call(0.2);
    assert.equal(slow.rec.timedOneIn, 1);
    assert.ok(slow.windows.every((w) => w.timedCalls === 1000));

    const fast = recorder({ logEveryNCalls: 1000 });
    const us16 = 1 / 64; // 15.6 µs, exact in binary
    let timed = 0;
    for (let i = 0; i < 1000; i++) fast.call(us16);
    for (let i = 0; i < 1000; i++) if (fast.call(us16)) timed++;
    fast.rec.flush('close');
    assert.equal(fast.windows[0]!.timedCalls, 1000, 'the first window times every call');
    assert.equal(fast.rec.timedOneIn, 9); // 0.7 µs is 0.5% of 140 µs: about 1 call in 9 at 16 µs
    assert.ok(timed > 60 && timed < 200, `timed ${timed} of 1000`);
    assert.equal(fast.windows[1]!.calls, 1000, 'every call is counted');
    assert.equal(fast.windows[1]!.timedCalls, timed);
    assert.equal(fast.windows[1]!.latencyP50Ms, us16);
  });

  it('caps the sampling so a window keeps enough timed calls', () => {
    const { rec, call } = recorder({ logEveryNCalls: 100 });
    for (let i = 0; i < 300; i++) call(0.001);
    assert.equal(rec.timedOneIn, 1, '100 calls per window / 64 timed: no sampling');
  });
});

describe('readOnnxModelHeader', () => {
  it('reads what inspectOnnxModel reads, from the file, without the graph', async () => {
    for (const path of [LINEAR, TWO_INPUT, EXTERNAL]) {
      const header = await readOnnxModelHeader(path);
      const { externalDataLocations: _, ...full } = inspectOnnxModel(await readFixture(path));
      assert.deepEqual(header, full);
    }
    const linear = await readOnnxModelHeader(LINEAR);
    assert.deepEqual(linear.opsetImports, [{ domain: '', version: 17 }]);
    assert.equal(linear.producerName, 'runlog-fixtures');
    assert.equal(linear.irVersion, 8);
  });

  it('refuses a file that is not a ModelProto, and a truncated one', async () => {
    const dir = await tempDir();
    const junk = join(dir, 'junk.onnx');
    await writeFile(junk, 'this is not protobuf at all');
    await assert.rejects(readOnnxModelHeader(junk), ModelFormatError);
    const bytes = await readFixture(LINEAR);
    const cut = join(dir, 'cut.onnx');
    await writeFile(cut, bytes.subarray(0, bytes.length - 5));
    await assert.rejects(readOnnxModelHeader(cut), ModelFormatError);
  });
});
