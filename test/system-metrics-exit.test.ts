import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunlogClient } from 'runlog';
import { childNodeArgs } from './support/child-node.js';

const CHILD = fileURLToPath(new URL('./fixtures/system-metrics-exit-child.mjs', import.meta.url));

describe('system metrics and process exit', () => {
  let dir: string | undefined;
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('never keeps a process alive: a run left open with system metrics ends FINISHED when the program ends', async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-sysm-exit-'));
    const child = spawn(process.execPath, childNodeArgs(CHILD, dir), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    clearTimeout(killer);
    assert.equal(signal, null, `the process had to be killed: ${out}`);
    assert.equal(code, 0, out);
    const runId = out.split('\n')[0]!.trim();
    const client = new RunlogClient({ trackingUri: dir });
    const run = await client.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    const hist = await client.getMetricHistory(runId, 'system/cpu_utilization_percentage');
    assert.ok(hist.length >= 1, 'steps were logged while the program ran');
    await client.close();
  });
});
