// Issue 11 (containers): SIGTERM to `npx runlog serve` reached npm and its shell but not the node
// server, which was left running with no parent. stopWhenLauncherExits() turns being orphaned
// under npm exec into a SIGTERM to itself.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stopWhenLauncherExits } from '../src/launcher-watch.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CHILD = fileURLToPath(new URL('./fixtures/orphan-child.ts', import.meta.url));

async function until(check: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('stopWhenLauncherExits', () => {
  it('is not armed unless npm exec started the process', () => {
    let reads = 0;
    const stop = stopWhenLauncherExits({ env: {}, intervalMs: 1, parentPid: () => ++reads, onOrphaned: () => assert.fail('armed') });
    stop();
    assert.equal(reads, 0);
  });

  it('calls onOrphaned once when the parent process changes', async () => {
    let parent = 100;
    let calls = 0;
    const stop = stopWhenLauncherExits({ env: { npm_command: 'exec' }, intervalMs: 1, parentPid: () => parent, onOrphaned: () => calls++ });
    try {
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(calls, 0, 'same parent: nothing happens');
      parent = 1;
      await until(() => calls > 0, 'onOrphaned');
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(calls, 1);
    } finally {
      stop();
    }
  });

  it('a child whose launching shell is killed gets SIGTERM instead of running on orphaned', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runlog-orphan-'));
    const marker = join(dir, 'signal');
    // `; true` keeps sh from exec-ing node, as npm exec's `sh -c` did: sh stays the parent.
    const shell = spawn('sh', ['-c', `"${process.execPath}" --import tsx "${CHILD}" "${marker}"; true`], {
      cwd: ROOT,
      env: { ...process.env, npm_command: 'exec' },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    try {
      await until(() => out.includes('ready'), 'the child to start', 60_000);
      process.kill(shell.pid!, 'SIGTERM'); // what npm does: the shell dies, the child is not told
      await until(() => existsSync(marker), 'the orphaned child to get SIGTERM');
      assert.equal(readFileSync(marker, 'utf8'), 'SIGTERM');
    } finally {
      try {
        process.kill(-shell.pid!, 'SIGKILL');
      } catch {
        /* all gone */
      }
      await rm(dir, { recursive: true, force: true });
    }
  });
});
