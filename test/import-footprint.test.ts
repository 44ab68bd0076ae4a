// What `import 'runlog'` loads. Every training script, CLI command and child process pays for
// loading runlog at start; a dependency only some of them use is loaded by its first use instead:
// undici (HTTP to a tracking server) by the first client for a server, ajv (JSON-schema checks of
// model inputs) by the first signature's checks. A script logging to a local store loads neither.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { childNodeArgs } from './support/child-node.js';

const CHILD = fileURLToPath(new URL('./fixtures/import-footprint-child.mjs', import.meta.url));

describe('import runlog', () => {
  it('loads undici only for a client of a tracking server, and ajv only for a model signature', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, childNodeArgs(CHILD));
    const { afterImport, afterRemoteClient, afterEnforcer } = JSON.parse(stdout) as Record<string, string[]>;
    assert.ok(!afterImport!.includes('undici'), `undici loaded at import: ${afterImport!.join(', ')}`);
    assert.ok(!afterImport!.includes('ajv'), `ajv loaded at import: ${afterImport!.join(', ')}`);
    assert.ok(afterRemoteClient!.includes('undici'), 'a client for a server loads undici');
    assert.ok(!afterRemoteClient!.includes('ajv'));
    assert.ok(afterEnforcer!.includes('ajv'), 'a signature’s checks load ajv');
  });
});
