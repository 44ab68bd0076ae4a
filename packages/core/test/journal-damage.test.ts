import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { syncJournals } from '../src/journal/journal-sync.js';
import { JournalWriter } from '../src/journal/journal-writer.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

/** A closed session of one run: `groups` metric frames of `per` points each, nothing acknowledged. */
async function leftSession(uri: string, groups: number, per: number, runEnd: boolean) {
  const root = mkdtempSync(join(tmpdir(), 'runlog-journal-damage-'));
  const w = new JournalWriter({ journalDir: root, trackingUri: uri, exitLine: () => undefined });
  w.registerRun({ id: 'r1', sid: 'srv1' });
  for (let g = 0; g < groups; g++) {
    for (let i = 0; i < per; i++) w.addMetric('r1', 'm', g * per + i, 1000, g * per + i);
    w.commit();
  }
  if (runEnd) w.endRun('r1', 'FINISHED', 2000);
  await w.drain();
  w.closeSync();
  const segment = join(w.sessionDir, readdirSync(w.sessionDir).find((n) => n.endsWith('.wal'))!);
  return { root, session: w.sessionDir, segment };
}

/** Overwrites `bytes` bytes in the middle of the n-th metrics frame (0-based). */
function damageFrame(segment: string, n: number, bytes = 23): void {
  const text = readFileSync(segment);
  let at = 0;
  let seen = -1;
  for (const line of text.toString('latin1').split('\n')) {
    if (line.includes('"t":"m"') && ++seen === n) {
      text.fill(0x41, at + (line.length >> 1), at + (line.length >> 1) + bytes);
      writeFileSync(segment, text);
      return;
    }
    at += line.length + 1;
  }
  throw new Error('no such frame');
}

async function acceptingServer() {
  const server = await new RecordingServer().start();
  const steps: number[] = [];
  const ends: string[] = [];
  server.responder = (req, res) => {
    if (req.path.endsWith('/runs/log-batch')) for (const m of req.body.metrics ?? []) steps.push(m.step);
    if (req.path.endsWith('/runs/update')) {
      ends.push(req.body.status);
      return sendJson(res, 200, { run_info: { run_id: 'srv1', status: req.body.status, start_time: 1, experiment_id: '0', lifecycle_stage: 'active', artifact_uri: '' } });
    }
    return undefined;
  };
  return { server, steps, ends };
}

describe('issue 10: sync of a damaged journal counts lost records and keeps the evidence', () => {
  it('23 bytes overwritten mid-segment: the lost frame is counted in records, the rest lands, the segment goes to quarantine', async () => {
    const { server, steps, ends } = await acceptingServer();
    const { root, session, segment } = await leftSession(server.url, 6, 500, true);
    damageFrame(segment, 2);
    const warnings: string[] = [];
    const [result] = await syncJournals({ journal: root, onWarning: (w) => warnings.push(w) });
    await server.stop();
    assert.equal(result!.lost, 500, warnings.join('\n'));
    assert.equal(result!.corruptFrames, 1);
    assert.equal(result!.records, 2500);
    assert.equal(steps.length, 2500);
    assert.ok(!steps.some((s) => s >= 1000 && s < 1500), 'the damaged frame held steps 1000-1499');
    assert.deepEqual(ends, ['FINISHED']);
    assert.ok(warnings.some((w) => w.includes('500 record(s) were in damaged frames')), warnings.join('\n'));
    assert.equal(existsSync(session), false, 'the synced session is gone');
    assert.equal(result!.quarantined.length, 1);
    assert.ok(existsSync(result!.quarantined[0]!), 'the damaged segment is kept in quarantine');
    assert.ok(result!.quarantined[0]!.startsWith(join(root, 'quarantine')));
  });

  it('damage in the last frame of a closed session is counted too (the close frame states each run’s total)', async () => {
    const { server, steps } = await acceptingServer();
    const { root, segment } = await leftSession(server.url, 4, 300, false);
    damageFrame(segment, 3);
    const warnings: string[] = [];
    const [result] = await syncJournals({ journal: root, onWarning: (w) => warnings.push(w) });
    await server.stop();
    assert.equal(result!.lost, 300);
    assert.equal(steps.length, 900);
    // No end was journaled and the process closed cleanly: sync says why the run keeps its status.
    assert.ok(warnings.some((w) => w.includes('closed without ending it')), warnings.join('\n'));
  });
});
