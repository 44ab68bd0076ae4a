import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { addShutdownHook } from '../src/shutdown-hooks.js';

const CHILD = fileURLToPath(new URL('./fixtures/shutdown-order-child.ts', import.meta.url));

// One shutdown-hook registry instead of a process listener per part (issue 12).

describe('shutdown-hook registry', () => {
  it('holds one listener per event however many hooks, and removes it with the last hook', () => {
    const before = { b: process.listenerCount('beforeExit'), s: process.listenerCount('SIGTERM'), e: process.listenerCount('exit') };
    const removeA = addShutdownHook({ beforeExit: () => {}, signal: async () => {} });
    const removeB = addShutdownHook({ beforeExit: () => {} });
    const removeC = addShutdownHook({ exit: () => {} });
    assert.equal(process.listenerCount('beforeExit'), before.b + 1);
    assert.equal(process.listenerCount('SIGTERM'), before.s + 1);
    assert.equal(process.listenerCount('exit'), before.e + 1);
    removeA();
    removeA(); // idempotent
    assert.equal(process.listenerCount('SIGTERM'), before.s, 'no signal hook left: no signal listener');
    assert.equal(process.listenerCount('beforeExit'), before.b + 1);
    removeB();
    removeC();
    assert.deepEqual(
      { b: process.listenerCount('beforeExit'), s: process.listenerCount('SIGTERM'), e: process.listenerCount('exit') },
      before,
    );
  });

  it('runs beforeExit hooks in ascending order, each emit, until removed', async () => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0);
    // collect (order -1) runs before end (order 0) on each beforeExit; the process then exits.
    assert.deepEqual(JSON.parse(out), ['collect0', 'end1', 'collect1', 'end2', 'collect2']);
  });
});
