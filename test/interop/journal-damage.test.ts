import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '@runlog/core';
import { cliNodeArgs } from '../support/child-node.js';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';
import { withOutageSwitch } from '../support/outage-switch.js';
import { runCli } from '../support/run-cli.js';

const env = await ensureMlflow();
const root = fileURLToPath(new URL('../..', import.meta.url));

describe('issue 10: a damaged journal against a real MLflow 3.18 server', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  before(async () => {
    server = await withOutageSwitch(await sharedMlflowServer(env!));
  });
  after(async () => {
    await server?.stop();
  });

  it('23 bytes overwritten mid-segment: `runlog sync` lands the rest, says how many records were lost, keeps the segment in quarantine and exits 1', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    await server.stop();
    const client = new RunlogClient({ trackingUri: server.uri, journal: { dir: journalDir }, onError: () => undefined });
    const run = await client.createRun('0', { runName: 'damaged' });
    const id = run.info.runId;
    // Six groups of 500 points (one frame each), the run ended, all left in the journal.
    for (let g = 0; g < 6; g++) {
      for (let i = 0; i < 500; i++) client.logMetric(id, 'm', g * 500 + i, { step: g * 500 + i, timestamp: 1_700_000_000_000 });
      await client.journal!.writer.sync();
    }
    await client.setTerminated(id, 'FINISHED', { timeoutMs: 100 });
    await client.close(100);
    await server.restart();
    const [session] = readdirSync(journalDir);
    const segment = join(journalDir, session!, '000001.wal');
    const bytes = readFileSync(segment);
    const lines = bytes.toString('latin1').split('\n');
    let at = 0;
    let metricFrames = 0;
    for (const line of lines) {
      if (line.includes('"t":"m"') && metricFrames++ === 2) {
        bytes.fill(0x41, at + (line.length >> 1), at + (line.length >> 1) + 23);
        break;
      }
      at += line.length + 1;
    }
    writeFileSync(segment, bytes);

    // Not spawnSync: the outage switch in front of the server lives in this process's event loop.
    const sync = await runCli(['sync', '--journal', journalDir], { cwd: root });
    assert.equal(sync.code, 1, sync.out + sync.err);
    assert.match(sync.out, /^synced 2500 record\(s\) of 1 run\(s\)/m);
    assert.match(sync.out, /500 record\(s\) lost in 1 damaged frame\(s\); damaged segment\(s\) kept in /);
    assert.ok(existsSync(join(journalDir, 'quarantine', session!, '000001.wal')), 'the damaged segment is kept');
    const py = await runPython(
      env!,
      `import json
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
r = c.search_runs(['0'], filter_string="tags.\`runlog.clientRunId\` = '${id}'")[0]
h = c.get_metric_history(r.info.run_id, 'm')
print(json.dumps({'n': len(h), 'gap': sorted(set(range(3000)) - set(m.step for m in h)) == list(range(1000, 1500)), 'status': r.info.status}))
`,
    );
    assert.deepEqual(py, { n: 2500, gap: true, status: 'FINISHED' });
  });
});
