import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as core from '@runlog/core';
import { RunlogClient } from '@runlog/core';
import { childNodeArgs, cliNodeArgs } from '../support/child-node.js';
import { ensureMlflow, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';
import { withOutageSwitch } from '../support/outage-switch.js';
import { runCli } from '../support/run-cli.js';

const env = await ensureMlflow();
// On the run's shared MLflow server: an experiment name of this file's own.
const OFFLINE_EXPERIMENT = uniqueName('born-offline-exp');
const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(root, 'test', 'fixtures', 'journal-child.mjs');

/** Metric 'm' of a run as the Python client reads it: count, distinct steps, contiguity, status. */
async function pyHistory(server: MlflowServer, runId: string) {
  return runPython(
    env!,
    `import json
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
h = c.get_metric_history(${JSON.stringify(runId)}, 'm')
steps = sorted(m.step for m in h)
r = c.get_run(${JSON.stringify(runId)})
print(json.dumps({'n': len(h), 'distinct': len(set(steps)), 'contiguous': steps == list(range(len(steps))),
  'values_match': all(m.value == m.step for m in h), 'status': r.info.status, 'name': r.info.run_name}))
`,
  );
}

/**
 * Resolves once the client has nothing pending: the background applier applies a journaled run
 * end once the run's records are in. Looks every 100 ms; the bound only guards against a hang.
 */
async function untilSettled(client: RunlogClient): Promise<void> {
  const giveUp = Date.now() + 120_000;
  while (client.pendingRecords > 0 && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 100));
}

/** The CLI with this journal root. Not spawnSync: the outage switch lives in this process's event loop. */
function cli(args: string[], journalDir: string) {
  return runCli(args, { cwd: root, env: { RUNLOG_JOURNAL_DIR: journalDir } });
}

describe('journal durability against a real MLflow 3.18 server', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  before(async () => {
    server = await withOutageSwitch(await sharedMlflowServer(env!));
  });
  after(async () => {
    await server?.stop();
  });

  it('the server stops in the middle of a 50k-point run and comes back later: every point lands once and the run ends', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    // A small memory bound, so the outage also exercises spilling to the journal and reading back.
    const client = new RunlogClient({ trackingUri: server.uri, journal: { dir: journalDir, memoryRecords: 5000 } });
    const run = await client.createRun('0', { runName: 'outage-50k' });
    const id = run.info.runId;
    client.logParam(id, 'points', 50_000);
    for (let step = 0; step < 50_000; step++) {
      client.logMetric(id, 'm', step, { step, timestamp: 1_700_000_000_000 + step });
      if (step === 20_000) {
        assert.equal(await client.flush(60_000), true);
        await server.stop();
      }
      if (step % 5000 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.equal(client.journal!.spilled, true, 'the backlog went to the journal');
    // endRun during the outage resolves (the records and the end are journaled) instead of throwing.
    await client.setTerminated(id, 'FINISHED', { timeoutMs: 500 });
    assert.ok(client.pendingRecords >= 29_999, `${client.pendingRecords} records wait`);
    await server.restart();
    assert.equal(await client.flush(180_000), true);
    // The end is applied by the background applier once the records are in: wait for it.
    await untilSettled(client);
    assert.equal(client.pendingRecords, 0);
    const py = await pyHistory(server, id);
    assert.deepEqual(py, { n: 50_000, distinct: 50_000, contiguous: true, values_match: true, status: 'FINISHED', name: 'outage-50k' });
    await client.close();
    assert.deepEqual(readdirSync(journalDir), [], 'a settled session is deleted');
  });

  it('a run started while the server is down gets a local id and is created once when the server returns', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    await server.stop();
    const client = new RunlogClient({ trackingUri: server.uri, journal: { dir: journalDir }, onError: () => undefined });
    const run = await client.createRun('0', { runName: 'born-offline' });
    for (let step = 0; step < 3000; step++) client.logMetric(run.info.runId, 'm', step, { step });
    client.logParam(run.info.runId, 'lr', 0.1);
    await client.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 200 });
    await server.restart();
    assert.equal(await client.flush(120_000), true);
    await untilSettled(client);
    const found = await runPython(
      env!,
      `import json
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
runs = c.search_runs(['0'], filter_string="tags.\`runlog.clientRunId\` = '${run.info.runId}'")
print(json.dumps({'ids': [r.info.run_id for r in runs], 'lr': [r.data.params.get('lr') for r in runs]}))
`,
    );
    assert.equal(found.ids.length, 1, 'created exactly once');
    assert.deepEqual(found.lr, ['0.1']);
    const py = await pyHistory(server, found.ids[0]);
    assert.deepEqual(py, { n: 3000, distinct: 3000, contiguous: true, values_match: true, status: 'FINISHED', name: 'born-offline' });
    await client.close();
  });

  it('setExperiment(name) and startRun() while the server is down: training starts at once; the experiment and run are created when it returns', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    await server.stop();
    core.configure({ journal: { dir: journalDir }, onError: () => undefined });
    core.setTrackingUri(server.uri);
    try {
      const exp = await core.setExperiment(OFFLINE_EXPERIMENT);
      assert.equal(exp.experimentId, '', 'known by name only while the server is away');
      const run = await core.startRun({ runName: 'offline-named' });
      for (let step = 0; step < 500; step++) core.logMetric('m', step, { step });
      await core.endRun('FINISHED', { timeoutMs: 200 });
      await server.restart();
      assert.equal(await core.flush(60_000), true);
      const client = core.getClient();
      await untilSettled(client);
      assert.equal(client.pendingRecords, 0);
      const py = await runPython(
        env!,
        `import json
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
e = c.get_experiment_by_name(${JSON.stringify(OFFLINE_EXPERIMENT)})
runs = c.search_runs([e.experiment_id], filter_string="tags.\`runlog.clientRunId\` = '${run.runId}'")
h = c.get_metric_history(runs[0].info.run_id, 'm')
print(json.dumps({'runs': len(runs), 'n': len(h), 'status': runs[0].info.status, 'name': runs[0].info.run_name}))
`,
      );
      assert.deepEqual(py, { runs: 1, n: 500, status: 'FINISHED', name: 'offline-named' });
      // Back online, setExperiment resolves the real id.
      assert.notEqual((await core.setExperiment(OFFLINE_EXPERIMENT)).experimentId, '');
    } finally {
      await core.shutdown(5000);
      core.configure({});
    }
  });

  it('a training process killed with SIGKILL: `runlog sync` lands every journaled point once, skips a torn tail with a warning, and a second sync adds nothing', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    const child = spawn(process.execPath, childNodeArgs(CHILD, server.uri), {
      cwd: root,
      env: { ...process.env, RUNLOG_JOURNAL_DIR: journalDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let runId = '';
    let session = '';
    let journaled = 0;
    let stopped = false;
    const killed = new Promise<void>((resolve, reject) => {
      let buf = '';
      child.stdout!.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.startsWith('run ')) runId = line.slice(4);
          else if (line.startsWith('session ')) session = line.slice(8);
          else if (line.startsWith('journaled ')) {
            journaled = Number(line.slice(10));
            // Part of the run reaches the server; then it goes down and the rest only reaches the journal.
            if (journaled >= 10_000 && !stopped) {
              stopped = true;
              void server.stop();
            }
            if (journaled >= 30_000 && stopped) child.kill('SIGKILL');
          }
        }
      });
      child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited without SIGKILL (${signal})`))));
    });
    await killed;
    assert.ok(runId && session, 'the child reported its run and journal');
    await server.restart();
    // A torn write at the end of the newest segment, as a crash in the middle of a write leaves.
    const segments = readdirSync(session).filter((n) => n.endsWith('.wal')).sort();
    appendFileSync(join(session, segments.at(-1)!), '1234abcd {"t":"m","r":"');

    const first = await cli(['sync'], journalDir);
    assert.equal(first.code, 0, first.out + first.err);
    assert.match(first.out, /^synced \d+ record\(s\) of 1 run\(s\)/m);
    assert.match(first.err, /truncated record/);
    const py = await pyHistory(server, runId);
    assert.ok(py.n >= journaled, `${py.n} points on the server, ${journaled} were journaled before the kill`);
    assert.equal(py.distinct, py.n, 'no point twice');
    assert.equal(py.contiguous, true, 'no gap');
    assert.equal(py.values_match, true);
    assert.equal(py.status, 'KILLED', 'a run whose process died is ended KILLED');

    const second = await cli(['sync'], journalDir);
    assert.equal(second.code, 0, second.out + second.err);
    assert.match(second.out, /Nothing to sync/);
    assert.deepEqual(await pyHistory(server, runId), py);
  });

  it('`runlog status` reports the server, its version and auth, and the journal backlog', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    const ok = await cli(['status', '--tracking-uri', server.uri], journalDir);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /server +reachable, MLflow 3\.18\.0/);
    assert.match(ok.out, /auth +ok/);
    assert.match(ok.out, /journal .*: empty/);
    await server.stop();
    try {
      const client = new RunlogClient({ trackingUri: server.uri, journal: { dir: journalDir }, onError: () => undefined });
      const run = await client.createRun('0');
      for (let i = 0; i < 10; i++) client.logMetric(run.info.runId, 'm', i, { step: i });
      await client.close(100);
      const down = await cli(['status', '--tracking-uri', server.uri], journalDir);
      assert.equal(down.code, 1);
      assert.match(down.out, /server +UNREACHABLE/);
      assert.match(down.out, /journal .*: 10 record\(s\) waiting in 1 session\(s\); upload with: npx runlog sync/);
    } finally {
      await server.restart();
    }
  });
});
