import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { listStaged } from '../src/journal/artifact-staging.js';
import { FailoverStore } from '../src/journal/failover-store.js';
import { scanSession } from '../src/journal/journal-scan.js';
import { syncJournals } from '../src/journal/journal-sync.js';
import { deadPort } from './support/dead-port.js';
import { RecordingServer, sendJson, type RecordedRequest } from './support/recording-server.js';

// Issue 10, "Training never waits on an absent server": a server that does not answer is found
// away once, later calls do not wait for it, artifacts are staged in the journal, and the backlog
// lands in order when the server answers.

const tempDir = () => mkdtempSync(join(tmpdir(), 'runlog-offline-test-'));

/** Answers like an MLflow server for what a journaled client sends: create, search by tag, log-batch, update, artifact PUTs. */
function mlflowLike(server: RecordingServer) {
  let n = 0;
  const byClientId = new Map<string, string>();
  server.responder = (req, res) => {
    if (req.path.endsWith('/runs/create')) {
      const id = `srv${++n}`;
      const cid = (req.body.tags as Array<{ key: string; value: string }>).find((t) => t.key === 'runlog.clientRunId')?.value ?? '';
      byClientId.set(cid, id);
      return sendJson(res, 200, {
        run: { info: { run_id: id, experiment_id: '0', status: 'RUNNING', start_time: 1, artifact_uri: `mlflow-artifacts:/0/${id}/artifacts`, lifecycle_stage: 'active' }, data: {} },
      });
    }
    if (req.path.endsWith('/runs/search')) {
      const id = byClientId.get(/= '(.*)'/.exec(req.body.filter)?.[1] ?? '');
      return sendJson(res, 200, id ? { runs: [{ info: { run_id: id } }] } : {});
    }
    if (req.path.endsWith('/runs/update')) {
      return sendJson(res, 200, { run_info: { run_id: req.body.run_id, status: req.body.status, start_time: 1, experiment_id: '0', lifecycle_stage: 'active', artifact_uri: '' } });
    }
    return undefined;
  };
}

/** The kind of each request, in arrival order, for order assertions. */
function kinds(reqs: RecordedRequest[]): string[] {
  return reqs
    .map((r) => (r.path.includes('mlflow-artifacts') ? `put:${decodeURIComponent(r.path.replace(/^.*\/srv\d+\/artifacts\//, ''))}` : r.path.replace(/^.*\/mlflow\//, '').replace(/\?.*$/, '')))
    .filter((k) => k !== '/health' && !k.startsWith('experiments/'));
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function logSomeArtifacts(client: RunlogClient, runId: string, dir: string) {
  const file = join(dir, 'plot.png');
  writeFileSync(file, 'png-bytes');
  mkdirSync(join(dir, 'folder', 'sub'), { recursive: true });
  writeFileSync(join(dir, 'folder', 'a.txt'), 'A');
  writeFileSync(join(dir, 'folder', 'sub', 'b.txt'), 'B');
  return (async () => {
    await client.logText(runId, 'hello', 'notes/summary.txt');
    await client.logArtifact(runId, file, 'plots');
    await client.logArtifacts(runId, join(dir, 'folder'), 'dir');
    await client.logDict(runId, { a: 1 }, 'conf.json');
  })();
}

describe('an absent tracking server (issue 10)', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('is found away once: later calls open no connection, artifacts are staged, endRun and close do not wait their deadline', async () => {
    // Accepts TCP and never completes TLS: every connection attempt costs the connect timeout.
    const sockets: Socket[] = [];
    const silent = createTcpServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanups.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const journalDir = tempDir();
    const errors: string[] = [];
    const client = new RunlogClient({
      trackingUri: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      connectTimeoutMs: 300,
      journal: { dir: journalDir },
      onError: (e) => errors.push(e.message),
    });
    const run = await client.createRun('0');
    const store = client.store as FailoverStore;
    assert.equal(store.presence.offline, true);
    assert.equal(store.presence.reason?.reason, 'connect-timeout');
    const connectionsBefore = sockets.length;
    // Twenty more calls that each would wait out a connect timeout: none opens a connection
    // (one background probe may fall in this window).
    const more = await Promise.all(Array.from({ length: 20 }, () => client.createRun('0')));
    assert.ok(more.every((r) => store.isOffline(r.info.runId)));
    assert.ok(sockets.length - connectionsBefore <= 1, `${sockets.length - connectionsBefore} connections`);

    const runId = run.info.runId;
    for (let i = 0; i < 50; i++) client.logMetric(runId, 'loss', i, { step: i });
    client.logParam(runId, 'lr', 0.1);
    await logSomeArtifacts(client, runId, tempDir());
    const timeoutMs = 20_000;
    let t = Date.now();
    await client.setTerminated(runId, 'FINISHED', { timeoutMs });
    const endMs = Date.now() - t;
    t = Date.now();
    const closed = await client.close(timeoutMs);
    const closeMs = Date.now() - t;
    assert.equal(closed, false, 'close says not everything reached the server');
    assert.ok(endMs < timeoutMs / 4 && closeMs < timeoutMs / 4, `endRun ${endMs} ms, close ${closeMs} ms`);

    const session = join(journalDir, readdirSync(journalDir)[0]!);
    const summary = await scanSession(session);
    assert.equal(summary.closed, true);
    assert.equal(summary.stagedArtifacts, 4);
    const r = summary.runs.get(runId)!;
    assert.deepEqual([r.next[0], r.next[1], r.end?.status], [50, 1, 'FINISHED']);
    const staged = listStaged(session);
    assert.deepEqual(staged.map((e) => [e.runId, e.artifactPath]), [
      [runId, 'notes'],
      [runId, 'plots'],
      [runId, 'dir'],
      [runId, ''],
    ]);
    assert.equal(readFileSync(join(staged[0]!.dir, 'files', 'summary.txt'), 'utf8'), 'hello');
    assert.equal(readFileSync(join(staged[2]!.dir, 'files', 'sub', 'b.txt'), 'utf8'), 'B');
  });

  it('drains records, staged artifacts and the run end, in that order, when the server comes up on that port', async () => {
    const port = await deadPort();
    const journalDir = tempDir();
    const client = new RunlogClient({ trackingUri: `http://127.0.0.1:${port}`, journal: { dir: journalDir }, onError: () => undefined });
    cleanups.push(() => client.close(1000));
    const run = await client.createRun('0');
    const runId = run.info.runId;
    for (let i = 0; i < 10; i++) client.logMetric(runId, 'loss', i, { step: i });
    await logSomeArtifacts(client, runId, tempDir());
    await client.setTerminated(runId, 'FINISHED', { timeoutMs: 10_000 });

    const server = await new RecordingServer().start(port);
    cleanups.push(() => server.stop());
    mlflowLike(server);
    // The background probe finds it (first probe after about 1 s), then everything is sent.
    await until(() => server.find('runs/update').length > 0, 20_000);
    const seq = kinds(server.requests);
    const at = (k: string) => seq.indexOf(k);
    assert.ok(at('runs/create') >= 0 && at('runs/create') < at('runs/log-batch'), seq.join(' '));
    const puts = seq.filter((k) => k.startsWith('put:'));
    assert.deepEqual(puts, ['put:notes/summary.txt', 'put:plots/plot.png', 'put:dir/a.txt', 'put:dir/sub/b.txt', 'put:conf.json']);
    assert.ok(seq.lastIndexOf('runs/log-batch') < at(puts[0]!), 'records before artifacts');
    assert.ok(at(puts[puts.length - 1]!) < at('runs/update'), 'artifacts before the run end');
    assert.equal(server.find('mlflow-artifacts/artifacts/0/srv1/artifacts/plots/plot.png')[0]!.raw.toString(), 'png-bytes');
    assert.equal(server.find('runs/update')[0]!.body.status, 'FINISHED');
    assert.equal(listStaged(client.journal!.writer.sessionDir).length, 0, 'staged entries deleted once uploaded');
  });

  it('runlog sync uploads what a process left staged, then ends the run', async () => {
    const port = await deadPort();
    const journalDir = tempDir();
    const client = new RunlogClient({ trackingUri: `http://127.0.0.1:${port}`, journal: { dir: journalDir }, onError: () => undefined });
    const run = await client.createRun('0');
    client.logMetric(run.info.runId, 'loss', 1);
    await logSomeArtifacts(client, run.info.runId, tempDir());
    await client.setTerminated(run.info.runId, 'KILLED', { timeoutMs: 10_000 });
    await client.close(1000);

    const server = await new RecordingServer().start(port);
    cleanups.push(() => server.stop());
    mlflowLike(server);
    const [result] = await syncJournals({ journal: journalDir, env: {} });
    assert.equal(result!.outcome, 'synced', result!.problem);
    assert.equal(result!.artifacts, 4);
    const seq = kinds(server.requests);
    assert.equal(seq.filter((k) => k.startsWith('put:')).length, 5);
    assert.ok(seq.lastIndexOf('runs/log-batch') < seq.findIndex((k) => k.startsWith('put:')));
    assert.equal(seq[seq.length - 1], 'runs/update');
    assert.deepEqual(await syncJournals({ journal: journalDir, env: {} }), [], 'the session is gone');
  });
});
