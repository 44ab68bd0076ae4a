// The `runlog` CLI speaks to people (issue #11): --version, -h on every command, exit codes 0/1/2,
// and user errors as one or two lines without a stack trace unless --debug or RUNLOG_DEBUG=1.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { logModel, RunlogClient } from 'runlog';
import { REPO_ROOT, runCli, STACK_LINE, type CliResult } from './support/run-cli.js';

const LINEAR = fileURLToPath(new URL('./fixtures/onnx-linear.onnx', import.meta.url));

function assertUserError(r: CliResult, code: number, message: RegExp): void {
  assert.equal(r.code, code, `exit code; stderr: ${r.err}`);
  assert.match(r.err, message);
  assert.doesNotMatch(r.err, STACK_LINE, 'a stack trace reached the user');
  assert.ok(r.err.trim().split('\n').length <= 2, `more than two lines: ${r.err}`);
}

describe('runlog CLI: version, help, usage errors', () => {
  it('--version prints the package version and exits 0', async () => {
    const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/runlog/package.json'), 'utf8')) as { version: string };
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.out.trim(), version);
  });

  for (const command of ['runs', 'experiments', 'models', 'sync', 'status', 'serve']) {
    it(`${command} -h prints its help and exits 0`, async () => {
      const r = await runCli([command, '-h']);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^Usage: runlog ${command}[ |]`, 'm'));
    });
  }

  it('refuses a non-number for -n and for -p with exit code 2 and no stack', async () => {
    assertUserError(await runCli(['runs', '-n', 'ten']), 2, /'-n, --max-results <n>' argument 'ten' is invalid\. Expected a whole number/);
    assertUserError(await runCli(['serve', '-m', './model', '-p', 'http']), 2, /'-p, --port <port>' argument 'http' is invalid\. Expected a port number/);
  });

  it('refuses an unknown command or option with exit code 2', async () => {
    assertUserError(await runCli(['rnus']), 2, /unknown command 'rnus'/);
    assertUserError(await runCli(['runs', '--colums', 'a']), 2, /unknown option '--colums'/);
    const bare = await runCli([]);
    assert.equal(bare.code, 2, 'no command is a usage error');
    assert.match(bare.err, /^Usage: runlog /m);
  });
});

describe('runlog CLI: user errors on a local store', () => {
  let dir: string;
  let store: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-cli-errors-'));
    store = join(dir, 'mlruns');
    const client = new RunlogClient({ trackingUri: store });
    const run = await client.createRun('0');
    await logModel(LINEAR, { name: 'linear', client, runId: run.info.runId, registeredModelName: 'lin' });
    await client.setRegisteredModelAlias('lin', 'champion', 1);
    await client.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('says an experiment is unknown (exit 1), and shows the stack with --debug or RUNLOG_DEBUG=1', async () => {
    const args = ['runs', '--tracking-uri', store, '-e', 'no-such-experiment'];
    assertUserError(await runCli(args), 1, /No experiment named or numbered 'no-such-experiment'/);
    for (const r of [await runCli([...args, '--debug']), await runCli(args, { env: { RUNLOG_DEBUG: '1' } })]) {
      assert.equal(r.code, 1);
      assert.match(r.err, /No experiment named or numbered/);
      assert.match(r.err, STACK_LINE, 'no stack with debugging on');
    }
  });

  it('refuses a bad filter with exit code 2, naming the problem', async () => {
    assertUserError(await runCli(['runs', '--tracking-uri', store, '-f', 'metrics.acc >']), 2, /Invalid filter "metrics\.acc >"/);
  });

  it('says a registered model or alias is unknown, to serve and to models', async () => {
    const env = { MLFLOW_TRACKING_URI: store };
    assertUserError(await runCli(['serve', '-m', 'models:/nope/1', '-p', '0'], { env }), 1, /nope/);
    assertUserError(await runCli(['serve', '-m', 'models:/lin@challenger', '-p', '0'], { env }), 1, /challenger/);
    assertUserError(await runCli(['models', 'nope', '--tracking-uri', store]), 1, /nope/);
  });

  it('says a port is busy (exit 1) instead of crashing', async () => {
    const busy: Server = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const r = await runCli(['serve', '-m', 'models:/lin@champion', '-p', String(port)], { env: { MLFLOW_TRACKING_URI: store } });
      assertUserError(r, 1, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      busy.close();
    }
  });
});
