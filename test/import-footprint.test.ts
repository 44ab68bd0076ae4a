// What `import 'runlog'` loads. Every training script, CLI command and child process pays for
// loading runlog at start; undici (HTTP to a tracking server, a quarter of that cost) is loaded by
// a client's first request instead, so a script logging to a local store never loads it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { childNodeArgs } from './support/child-node.js';

const CHILD = fileURLToPath(new URL('./fixtures/import-footprint-child.mjs', import.meta.url));

describe('import runlog', () => {
  it('loads undici only when a client of a tracking server sends its first request', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, childNodeArgs(CHILD));
    const { afterImport, afterClient, afterRequest, answer } = JSON.parse(stdout) as Record<string, string[]>;
    assert.ok(!afterImport!.includes('undici'), `undici loaded at import: ${afterImport!.join(', ')}`);
    assert.ok(!afterClient!.includes('undici'), 'a client that has sent nothing has not loaded undici');
    assert.ok(afterRequest!.includes('undici'), 'the first request loads undici');
    assert.deepEqual(answer, { experiment: { experiment_id: '7', name: 'x' } }, 'and goes through it to the server');
  });
});
