import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { childNodeArgs, cliNodeArgs } from '../support/child-node.js';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';
import { withOutageSwitch } from '../support/outage-switch.js';
import { runCli } from '../support/run-cli.js';

const env = await ensureMlflow();
const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(root, 'test', 'fixtures', 'journal-exit-child.mjs');

/** Runs the child against a stopped server until it exits ('sigterm' mode: SIGTERM once it says it is mid-run). */
function runChild(uri: string, mode: 'normal' | 'sigterm', journalDir: string) {
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, childNodeArgs(CHILD, uri, mode), {
      cwd: root,
      env: { ...process.env, RUNLOG_JOURNAL_DIR: journalDir },
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (mode === 'sigterm' && !signalled && stdout.includes('logged 1100\n')) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

describe('exit with the server down: records stay in the journal and one line says how to upload them', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  before(async () => {
    server = await withOutageSwitch(await sharedMlflowServer(env!));
  });
  after(async () => {
    await server?.stop();
  });

  for (const mode of ['normal', 'sigterm'] as const) {
    it(`${mode === 'normal' ? 'a normal exit' : 'SIGTERM'}: exits without hanging or throwing; the printed command uploads everything once`, async () => {
      const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
      await server.stop();
      let child;
      try {
        child = await runChild(server.uri, mode, journalDir);
      } finally {
        await server.restart();
      }
      if (mode === 'normal') assert.equal(child.code, 0, child.stderr);
      else assert.equal(child.signal, 'SIGTERM', 'the signal is re-raised once runlog is done');
      const lines = child.stderr.split('\n').filter((l) => l.includes('wait in the journal'));
      assert.equal(lines.length, 1, child.stderr);
      const m = /^runlog: (\d+) record\(s\) and 1 run end\(s\) for \S+ wait in the journal (\S+); upload them with: npx runlog sync --journal (".*")$/.exec(lines[0]!);
      assert.ok(m, lines[0]);
      const waiting = Number(m[1]);
      assert.ok(waiting >= (mode === 'normal' ? 1000 : 1101), `${waiting} records waiting`);
      assert.ok(readdirSync(m[2]!).some((n) => n.endsWith('.wal')));
      // The command as printed (minus npx: the built CLI is run directly here).
      // Not spawnSync: the outage switch in front of the server lives in this process's event loop.
      const sync = await runCli(['sync', '--journal', JSON.parse(m[3]!) as string], { cwd: root });
      assert.equal(sync.code, 0, sync.out + sync.err);
      assert.match(sync.out, /^synced \d+ record\(s\) of 1 run\(s\)/m);
      const runId = /^run (\S+)$/m.exec(child.stdout)![1]!;
      const py = await runPython(
        env!,
        `import json
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
found = c.search_runs(['0'], filter_string="tags.\`runlog.clientRunId\` = '${runId}'")
r = found[0]
h = c.get_metric_history(r.info.run_id, 'm')
steps = sorted(x.step for x in h)
print(json.dumps({'runs': len(found), 'n': len(h), 'contiguous': steps == list(range(len(steps))), 'status': r.info.status}))
`,
      );
      assert.equal(py.runs, 1);
      // Exact: the line promised `waiting` records, and exactly those are on the server (issue 10).
      assert.ok(py.contiguous, JSON.stringify(py));
      assert.equal(py.n, waiting, JSON.stringify(py));
      if (mode === 'normal') assert.equal(waiting, 1000);
      assert.equal(py.status, mode === 'normal' ? 'FINISHED' : 'KILLED');
    });
  }
});
