import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunlogClient } from 'runlog';
import { childNodeArgs } from './support/child-node.js';

const CHILD = fileURLToPath(new URL('./fixtures/exit-child.mjs', import.meta.url));

function startChild(dir: string, mode: string) {
  const child = spawn(process.execPath, childNodeArgs(CHILD, dir, mode), {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  /** Resolves once a whole stdout line satisfies `match` (rejects if the child exits first). */
  const line = (match: (l: string) => boolean) =>
    new Promise<string>((resolve, reject) => {
      const look = () => {
        const found = stdout.split('\n').slice(0, -1).find(match);
        if (found !== undefined) resolve(found.trim());
      };
      child.stdout.on('data', look);
      child.on('exit', () => reject(new Error(`child exited early: ${stdout}${stderr}`)));
      look();
    });
  const firstLine = line(() => true);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(timer));
  return { child, firstLine, line, exited, output: () => stdout + stderr };
}

/** Resolves once `cond()` holds, looking every 50 ms (a bound of 60 s guards against a hang). */
async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const giveUp = Date.now() + 60_000;
  while (!(await cond())) {
    assert.ok(Date.now() < giveUp, `timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('process exit', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function tempStore() {
    const d = await mkdtemp(join(tmpdir(), 'runlog-exit-'));
    dirs.push(d);
    return d;
  }

  it('ends an open run FINISHED and flushes on beforeExit, and the process exits by itself', async () => {
    const dir = await tempStore();
    const c = startChild(dir, 'no-end');
    const runId = await c.firstLine;
    const { code } = await c.exited;
    assert.equal(code, 0, c.output());
    const client = new RunlogClient({ trackingUri: dir });
    const run = await client.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal((await client.getMetricHistory(runId, 'm')).length, 100);
    assert.equal(run.data.params.mode, 'no-end');
    await client.close();
  });

  it('on SIGTERM ends the run KILLED, flushes, then lets the signal terminate the process', async () => {
    const dir = await tempStore();
    const c = startChild(dir, 'loop');
    const runId = await c.firstLine;
    // Signalled mid-run: once its logging loop has logged step 200.
    await c.line((l) => l === 'logged 200');
    c.child.kill('SIGTERM');
    const { code, signal } = await c.exited;
    assert.equal(signal, 'SIGTERM', `code=${code} ${c.output()}`);
    const client = new RunlogClient({ trackingUri: dir });
    const run = await client.getRun(runId);
    assert.equal(run.info.status, 'KILLED');
    assert.ok((await client.getMetricHistory(runId, 'm')).length > 200);
    await client.close();
  });

  it('leaves SIGINT to the user’s own handler when there is one', async () => {
    const dir = await tempStore();
    const c = startChild(dir, 'user-handler');
    const runId = await c.firstLine;
    c.child.kill('SIGINT');
    await c.line((l) => l === 'user handler ran');
    // runlog ends the run while the user's handler keeps the process up; only then does the
    // handler let it exit (its stdin closes), with its own code: runlog did not re-raise SIGINT.
    const client = new RunlogClient({ trackingUri: dir });
    const status = async () => {
      try {
        return (await client.getRun(runId)).info.status;
      } catch {
        return undefined; // the run's files are being rewritten
      }
    };
    await until(async () => (await status()) === 'KILLED', 'the run is ended KILLED');
    c.child.stdin.end();
    const { code } = await c.exited;
    assert.equal(code, 3, c.output());
    assert.equal(await status(), 'KILLED');
    await client.close();
  });
});
