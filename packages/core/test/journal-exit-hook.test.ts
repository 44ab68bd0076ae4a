import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { JournalWriter } from '../src/journal/journal-writer.js';

// Issue 12: the journal writer closes at process exit through the shutdown-hook registry, not a
// process listener of its own. (test/interop/journal-exit.test.ts and test/exit-behaviour.test.ts
// check the exit lines it writes then.)

describe('journal writer exit hook', () => {
  it('shares the registry’s one exit listener across writers and leaves none once every writer is closed', () => {
    const before = process.listenerCount('exit');
    const a = new JournalWriter({ journalDir: mkdtempSync(join(tmpdir(), 'runlog-exit-hook-')), trackingUri: 'http://x', exitLine: () => {} });
    const b = new JournalWriter({ journalDir: mkdtempSync(join(tmpdir(), 'runlog-exit-hook-')), trackingUri: 'http://x', exitLine: () => {} });
    assert.equal(process.listenerCount('exit'), before + 1, 'one exit listener for two writers');
    a.closeSync();
    assert.equal(process.listenerCount('exit'), before + 1, 'still held for the open writer');
    b.closeSync();
    b.closeSync(); // idempotent
    assert.equal(process.listenerCount('exit'), before, 'no exit listener left after close');
  });
});
