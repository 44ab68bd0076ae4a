// `runlog runs`, `runlog experiments` and `runlog models` on a local store (issue #11): experiments
// by name or id, a header with start time, duration and status, chosen columns, JSON for scripts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { logModel, RunlogClient, type Run } from 'runlog';
import { runCli } from './support/run-cli.js';

const LINEAR = fileURLToPath(new URL('./fixtures/onnx-linear.onnx', import.meta.url));

describe('runlog runs / experiments / models on a local store', () => {
  let dir: string;
  let store: string;
  let expId: string;
  const runIds: string[] = [];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-cli-list-'));
    store = join(dir, 'mlruns');
    const client = new RunlogClient({ trackingUri: store });
    for (const [i, lr] of ['0.1', '0.01'].entries()) {
      const run = await client.createRun('0', { runName: `default-${i}`, startTime: 1_700_000_000_000 + i * 1000 });
      client.logParam(run.info.runId, 'lr', lr);
      client.logMetric(run.info.runId, 'acc', 0.5 + i / 10, { step: 1 });
      client.logMetric(run.info.runId, 'loss', 1.25, { step: 1 });
      await client.setTerminated(run.info.runId, 'FINISHED', { endTime: 1_700_000_000_000 + i * 1000 + 65_000 });
      runIds.push(run.info.runId);
    }
    expId = await client.createExperiment('second');
    await client.createRun(expId, { runName: 'other' });
    await logModel(LINEAR, { name: 'linear', client, runId: runIds[0]!, registeredModelName: 'lin' });
    await logModel(LINEAR, { name: 'linear2', client, runId: runIds[1]!, registeredModelName: 'lin' });
    await client.setRegisteredModelAlias('lin', 'champion', 2);
    await client.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs -e Default --columns prints a header, start, duration, status and the chosen columns', async () => {
    const r = await runCli(['runs', '--tracking-uri', store, '-e', 'Default', '--columns', 'params.lr,metrics.acc,loss']);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.match(lines[0]!, /^experiment Default \(id 0\): 2 run\(s\)$/);
    assert.match(lines[1]!, /^RUN ID\s+NAME\s+STATUS\s+START\s+DURATION\s+params\.lr\s+metrics\.acc\s+loss$/);
    const row = lines.find((l) => l.startsWith(runIds[0]!));
    assert.ok(row, r.out);
    assert.match(row, /default-0\s+FINISHED\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+1m 05s\s+0\.1\s+0\.5\s+1\.25$/);
  });

  it('runs takes the experiment by id too, and lists only its runs', async () => {
    const r = await runCli(['runs', '--tracking-uri', store, '-e', expId]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^experiment second \(id \d+\): 1 run\(s\)/);
    assert.match(r.out, /other\s+RUNNING/);
  });

  it('runs --json prints the runs for scripts', async () => {
    const r = await runCli(['runs', '--tracking-uri', store, '-e', 'Default', '--json']);
    assert.equal(r.code, 0, r.err);
    const runs = JSON.parse(r.out) as Run[];
    assert.deepEqual(runs.map((x) => x.info.runId).sort(), [...runIds].sort());
    assert.equal(runs.find((x) => x.info.runId === runIds[1])?.data.params.lr, '0.01');
  });

  it('experiments lists every experiment, and --json too', async () => {
    const r = await runCli(['experiments', '--tracking-uri', store]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^ID\s+NAME\s+CREATED\s+STAGE\s+ARTIFACT LOCATION$/m);
    assert.match(r.out, /^0\s+Default\s/m);
    assert.match(r.out, new RegExp(`^${expId}\\s+second\\s`, 'm'));
    const json = await runCli(['experiments', '--tracking-uri', store, '--json']);
    assert.deepEqual((JSON.parse(json.out) as Array<{ name: string }>).map((e) => e.name).sort(), ['Default', 'second']);
  });

  it('models lists registered models with their versions and aliases; models <name> lists its versions', async () => {
    const r = await runCli(['models', '--tracking-uri', store]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^NAME\s+VERSIONS\s+ALIASES\s+UPDATED$/m);
    assert.match(r.out, /^lin\s+2, 1\s+champion→2\s/m);
    const one = await runCli(['models', 'lin', '--tracking-uri', store]);
    assert.equal(one.code, 0, one.err);
    assert.match(one.out, /^2\s+None\s+READY\s+champion\s+\S+ \S+\s+[0-9a-f]{32}\s/m);
    assert.match(one.out, /^1\s+None\s+READY\s+-\s/m);
    const json = JSON.parse((await runCli(['models', '--tracking-uri', store, '--json'])).out) as Array<{ name: string; aliases: Record<string, string>; versions: unknown[] }>;
    assert.deepEqual(json.map((m) => [m.name, m.aliases, m.versions.length]), [['lin', { champion: '2' }, 2]]);
  });
});
