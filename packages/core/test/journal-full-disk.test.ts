import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { UnsentRecordsError } from '../src/errors.js';
import { syncJournals } from '../src/journal/journal-sync.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

/** A real 2 MB tmpfs, so the journal meets ENOSPC as a user's disk would (needs root: mount). */
function mountSmallDisk(): { dir: string; error?: string } {
  const dir = mkdtempSync(join(tmpdir(), 'runlog-full-disk-'));
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  if (res.status !== 0) return { dir, error: `cannot mount a 2 MB tmpfs here (${(res.stderr || String(res.error)).trim()}): needs root` };
  return { dir };
}

/** Fake MLflow: run creation and log-batch; `down` answers 503 to everything. */
function fakeMlflow(server: RecordingServer, state: { down: boolean; steps: number[]; ended: string[] }) {
  server.responder = (req, res) => {
    if (state.down) return sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' });
    if (req.path.endsWith('/runs/create') || req.path.endsWith('/runs/update')) {
      if (req.path.endsWith('/runs/update')) state.ended.push(req.body.status);
      return sendJson(res, 200, { run: { info: { run_id: 'srv1', run_name: 'r', experiment_id: '0', status: 'RUNNING', start_time: 1, artifact_uri: '', lifecycle_stage: 'active' }, data: {} }, run_info: { run_id: 'srv1', status: req.body.status, start_time: 1, experiment_id: '0', lifecycle_stage: 'active', artifact_uri: '' } });
    }
    if (req.path.endsWith('/runs/search')) return sendJson(res, 200, {});
    if (req.path.endsWith('/runs/log-batch')) for (const m of req.body.metrics ?? []) state.steps.push(m.step);
    return undefined;
  };
}

const disk = mountSmallDisk();

describe('issue 10: the journal on a full disk tells the truth', { skip: disk.error }, () => {
  let server: RecordingServer;
  const state = { down: false, steps: [] as number[], ended: [] as string[] };
  before(async () => {
    server = await new RecordingServer().start();
    fakeMlflow(server, state);
  });
  after(async () => {
    await server?.stop();
    spawnSync('umount', ['-l', disk.dir]);
    rmSync(disk.dir, { recursive: true, force: true });
  });

  it('with the server down: onError names ENOSPC, endRun rejects, the exit lines count exactly what waits on disk and what is lost, and sync lands exactly what was promised', async () => {
    const errors: string[] = [];
    const lines: string[] = [];
    const client = new RunlogClient({
      trackingUri: server.url,
      journal: { dir: disk.dir, commitIntervalMs: 5, exitLine: (l) => lines.push(l) },
      uploader: { retry: { maxRetries: Infinity, baseDelayMs: 20, maxDelayMs: 50, jitterMs: 0 }, batchDelayMs: 5 },
      onError: (e) => errors.push(e.message),
    });
    const runId = (await client.createRun('0')).info.runId;
    state.down = true;
    const points = 150_000;
    for (let step = 0; step < points; step++) {
      client.logMetric(runId, 'm', step, { step, timestamp: 1_700_000_000_000 + step });
      if (step % 5000 === 4999) await new Promise((r) => setTimeout(r, 2));
    }
    await client.journal!.writer.drain();
    assert.ok(errors.some((e) => e.includes('ENOSPC') && e.includes('kept in memory only')), errors.join('\n'));
    // As in memory mode: the run cannot end while its records are only in memory and undelivered.
    await assert.rejects(client.setTerminated(runId, 'FINISHED', { timeoutMs: 200 }), (err: Error) => {
      assert.ok(err instanceof UnsentRecordsError, err.message);
      assert.equal(err.unsent, points);
      assert.match(err.message, /ENOSPC/);
      return true;
    });
    await client.close(100);
    const waitLine = lines.find((l) => l.includes('wait in the journal'));
    const lostLine = lines.find((l) => l.includes('are lost'));
    assert.ok(waitLine && lostLine, lines.join('\n'));
    const waiting = Number(/runlog: (\d+) record\(s\) for /.exec(waitLine)?.[1]);
    const lost = Number(/runlog: (\d+) record\(s\) and 1 run end\(s\) could not be delivered/.exec(lostLine)?.[1]);
    assert.ok(waiting > 10_000 && lost > 10_000, lines.join('\n'));
    assert.equal(waiting + lost, points, lines.join('\n'));

    state.down = false;
    const warnings: string[] = [];
    const [result] = await syncJournals({ journal: disk.dir, onWarning: (w) => warnings.push(w) });
    assert.equal(result!.records, waiting, warnings.join('\n'));
    assert.equal(state.steps.length, waiting);
    assert.deepEqual([...new Set(state.steps)].sort((a, b) => a - b), Array.from({ length: waiting }, (_, i) => i));
    assert.equal(result!.corruptFrames, 0, 'a failed write leaves no torn frame behind');
  });
});
