// `runlog ui`: starts, prints where it listens, warns on stderr for a non-loopback host and for a
// web app not built yet, serves the API with --read-only honoured, stops on SIGTERM with exit code
// 0; a bad port is a usage error.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO_ROOT, runCli, STACK_LINE } from './support/run-cli.js';
import { makeUiStoreFixture, type UiStoreFixture } from './support/ui-store-fixture.js';
import { cliNodeArgs } from './support/child-node.js';

describe('runlog ui (the command)', () => {
  let fx: UiStoreFixture;
  before(async () => {
    fx = await makeUiStoreFixture({ runs: 3, artifacts: false });
  });
  after(async () => fx?.cleanup());

  it('serves the store, warns about a non-loopback host, refuses writes with --read-only, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      cliNodeArgs('ui', '--tracking-uri', fx.rootDir, '--port', '0', '--host', '0.0.0.0', '--read-only'),
      { cwd: REPO_ROOT, env: { ...process.env, RUNLOG_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'runlog-cli-')) }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const deadline = Date.now() + 60_000;
      while (!/listening on (http:\/\/\S+)/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      assert.ok(url, `no URL printed:\n${out}\n${err}`);
      assert.match(err, /warning: listening on 0\.0\.0\.0, not loopback/);
      // the web app warning appears exactly when the app is not built (web-dist/ is built, not checked in)
      assert.equal(/warning: the web app is not built.*npm run build/.test(err), !existsSync(join(REPO_ROOT, 'packages/ui/web-dist/index.html')), err);
      const info = (await (await fetch(`${url}/runlog-api/v1/info`)).json()) as { readOnly: boolean; mode: string };
      assert.deepEqual([info.mode, info.readOnly], ['local', true]);
      const runs = (await (await fetch(`${url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: fx.experimentIds }) })).json()) as { runs: unknown[] };
      assert.equal(runs.runs.length, 3);
      const write = await fetch(`${url}/api/2.0/mlflow/runs/delete`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ run_id: fx.runs[0]!.runId }) });
      assert.equal(write.status, 403);
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
    assert.match(out, /runlog ui: stopped/);
  });

  it('rejects a bad port as a usage error (exit 2, no stack)', async () => {
    const res = await runCli(['ui', '--port', 'http']);
    assert.equal(res.code, 2);
    assert.doesNotMatch(res.err, STACK_LINE);
  });

  it('says when the port is taken', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const res = await runCli(['ui', '--tracking-uri', fx.rootDir, '--port', String(port)]);
      assert.equal(res.code, 1);
      assert.match(res.err, /already in use/);
      assert.doesNotMatch(res.err, STACK_LINE);
    } finally {
      blocker.close();
    }
  });
});
