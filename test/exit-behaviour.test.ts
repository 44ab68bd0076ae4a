import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunlogClient } from 'runlog';

const CHILD = fileURLToPath(new URL('./fixtures/exit-child.ts', import.meta.url));

function startChild(dir: string, mode: string) {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, dir, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n') && line) resolve(line.trim());
    });
    child.on('exit', () => reject(new Error(`child exited early: ${stderr}`)));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  void exited.then(() => clearTimeout(timer));
  return { child, firstLine, exited, output: () => stdout + stderr };
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
    await new Promise((r) => setTimeout(r, 300));
    c.child.kill('SIGTERM');
    const { code, signal } = await c.exited;
    assert.equal(signal, 'SIGTERM', `code=${code} ${c.output()}`);
    const client = new RunlogClient({ trackingUri: dir });
    const run = await client.getRun(runId);
    assert.equal(run.info.status, 'KILLED');
    assert.ok((await client.getMetricHistory(runId, 'm')).length >= 100);
    await client.close();
  });

  it('leaves SIGINT to the user’s own handler when there is one', async () => {
    const dir = await tempStore();
    const c = startChild(dir, 'user-handler');
    const runId = await c.firstLine;
    c.child.kill('SIGINT');
    const { code } = await c.exited;
    assert.equal(code, 3, c.output());
    assert.match(c.output(), /user handler ran/);
    const client = new RunlogClient({ trackingUri: dir });
    assert.equal((await client.getRun(runId)).info.status, 'KILLED');
    await client.close();
  });
});
