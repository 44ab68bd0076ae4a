// `runlog run` (issue #15) on the local store: one-line errors with a non-zero exit and no run
// left behind, the command's exit code passed through, SIGTERM forwarded to the command.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RunlogClient } from 'runlog';
import { cliNodeArgs } from './support/child-node.js';
import { REPO_ROOT, runCli, STACK_LINE } from './support/run-cli.js';

const MLPROJECT = `entry_points:
  main:
    parameters:
      lr: {type: float, default: 0.1}
      code: {type: int, default: 0}
    command: "node -e 'process.exit({code})'"
  trap:
    command: "node trap.mjs"
`;
// Says it is ready, then waits; on SIGTERM it notes it and exits as a killed process would.
const TRAP = `
import { writeFileSync } from 'node:fs';
process.on('SIGTERM', () => { writeFileSync('got-sigterm', 'yes'); process.exit(143); });
console.log('ready');
setInterval(() => {}, 1000);
`;

describe('runlog run (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'runlog-cli-run-'));
  writeFileSync(join(dir, 'MLproject'), MLPROJECT);
  writeFileSync(join(dir, 'trap.mjs'), TRAP);
  const store = join(mkdtempSync(join(tmpdir(), 'runlog-cli-run-store-')), 'mlruns');
  const client = new RunlogClient({ trackingUri: store, durability: 'memory' });
  after(() => client.close());
  const runs = async () => {
    try {
      return (await client.searchRuns({ experimentIds: ['0'] })).items;
    } catch {
      return [];
    }
  };

  it('bad input: one line, a non-zero exit, no run', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['-e', 'nope'], /^runlog: Could not find nope among entry points \['main', 'trap'\]/],
      [['-P', 'lr=fast'], /^runlog: Parameter 'lr' is a float, but got 'fast'\.$/],
      [['-P', 'code=x'], /^runlog: Parameter 'code' is an int, but got 'x'\.$/],
      [['--version', 'v9'], /^runlog: Setting a version is only supported for Git project URIs$/],
      [['-P', 'lr'], /^runlog: Invalid format for -P parameter: 'lr'\. Use -P name=value\.$/],
    ];
    for (const [args, message] of cases) {
      const res = await runCli(['run', dir, '--tracking-uri', store, ...args]);
      assert.notEqual(res.code, 0, res.err);
      assert.match(res.err.trim(), message);
      assert.equal(res.err.trim().split('\n').length, 1, res.err);
      assert.doesNotMatch(res.err, STACK_LINE);
    }
    assert.deepEqual(await runs(), []);
  });

  it("passes the command's exit code through and marks the run FAILED", async () => {
    const res = await runCli(['run', dir, '--tracking-uri', store, '-P', 'code=7']);
    assert.equal(res.code, 7, res.err);
    assert.match(res.err, /runlog run: run [0-9a-f]{32} FAILED \(exit code 7\)/);
    const [r] = await runs();
    assert.equal(r?.info.status, 'FAILED');
  });

  it('forwards SIGTERM to the command, marks the run KILLED and exits with 143', async () => {
    const child = spawn(process.execPath, cliNodeArgs('run', dir, '-e', 'trap', '--tracking-uri', store), {
      cwd: REPO_ROOT,
      env: { ...process.env, MLFLOW_TRACKING_URI: undefined, MLFLOW_RUN_ID: undefined },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = new Promise<number | null>((resolveExit) => child.on('close', (code) => resolveExit(code)));
    // Bounded by the test runner's timeout; the child says 'ready' once its handler is in place.
    await new Promise<void>((resolveReady) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        if (d.includes('ready')) resolveReady();
      });
    });
    child.kill('SIGTERM');
    assert.equal(await exited, 143, err);
    assert.equal(readFileSync(join(dir, 'got-sigterm'), 'utf8'), 'yes');
    const killed = (await runs()).find((r) => r.data.tags['mlflow.project.entryPoint'] === 'trap');
    assert.equal(killed?.info.status, 'KILLED');
  });
});
