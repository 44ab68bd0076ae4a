import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as fluent from '../src/fluent.js';
import { scanSession } from '../src/journal/journal-scan.js';
import { deadPort } from './support/dead-port.js';

// Issue 10: a five-line fluent script against a dead port took 91 s (setExperiment 30 s,
// shutdown() 60 s) and its logText was refused. Now nothing waits on the absent server.

describe('the fluent API with the tracking server away (issue 10)', () => {
  after(async () => {
    await fluent.shutdown(1000);
    fluent.setTrackingUri(undefined);
    fluent.configure({});
  });

  it('setExperiment, startRun, logging, logText, endRun and shutdown() do not wait for the server; all of it is journaled', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-fluent-offline-'));
    fluent.configure({ journal: { dir: journalDir }, onError: () => undefined });
    fluent.setTrackingUri(`http://127.0.0.1:${await deadPort()}`);
    const deadlineMs = 20_000;
    const t = Date.now();
    const exp = await fluent.setExperiment('offline-exp');
    assert.equal(exp.experimentId, '', 'known by name until the server answers');
    const run = await fluent.startRun();
    for (let i = 0; i < 10; i++) fluent.logMetric('m', i, { step: i });
    fluent.logParam('p', 1);
    await fluent.logText('hello', 'notes.txt');
    await fluent.endRun('FINISHED', { timeoutMs: deadlineMs });
    assert.equal(await fluent.shutdown(deadlineMs), false, 'not everything reached the server');
    const elapsed = Date.now() - t;
    // Before: 30 s in endRun, then twice the deadline in shutdown(). Now none of the deadlines is waited out.
    assert.ok(elapsed < deadlineMs / 4, `${elapsed} ms`);
    const summary = await scanSession(join(journalDir, readdirSync(journalDir)[0]!));
    const r = summary.runs.get(run.runId)!;
    assert.deepEqual([r.next[0], r.next[1], r.end?.status, r.create?.experimentName, summary.stagedArtifacts], [10, 1, 'FINISHED', 'offline-exp', 1]);
  });
});
