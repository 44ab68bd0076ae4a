// Bad arguments to `runlog sync` are refused with a clear message and exit code 2, before anything
// is read or sent.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliNodeArgs } from './support/child-node.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function runCli(args: string[], env: Record<string, string | undefined> = {}) {
  const res = spawnSync(process.execPath, cliNodeArgs(...args), {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, RUNLOG_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'runlog-cli-')), MLFLOW_TRACKING_URI: undefined, ...env },
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

describe('runlog sync: bad arguments', () => {
  it('refuses a --timeout that is not a positive number', () => {
    for (const bad of ['abc', '0', '-5']) {
      const r = runCli(['sync', '--timeout', bad]);
      assert.equal(r.code, 2, r.out + r.err);
      assert.match(r.err, /'--timeout <seconds>' argument '.*' is invalid. Expected a positive number of seconds/);
    }
  });

  it('refuses --from without a server to publish to', () => {
    const r = runCli(['sync', '--from', './mlruns']);
    assert.equal(r.code, 2, r.out + r.err);
    assert.match(r.err, /needs a server: pass --to <uri> or set MLFLOW_TRACKING_URI/);
  });
});
