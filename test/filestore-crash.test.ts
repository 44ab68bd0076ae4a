// Issue 10, "The local store survives full disks and crashes": processes killed with SIGKILL while
// logging in a tight loop leave only well-formed files (read back by runlog and by Python MLflow),
// and processes racing to create one experiment or one registered model create exactly one.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FileStore } from '@runlog/core/internal';
import { RunlogClient } from 'runlog';
import { ensureMlflow, runPython } from './support/mlflow-env.js';
import { childNodeArgs } from './support/child-node.js';

const CHILD = fileURLToPath(new URL('./fixtures/filestore-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KILLS = 12;
const RACERS = 6;
const TRIALS = 5;

function startChild(root: string, mode: string): { proc: ChildProcess; lines: AsyncIterator<string>; exited: Promise<void> } {
  const proc = spawn(process.execPath, childNodeArgs(CHILD, root, mode), {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  let buffer = '';
  proc.stdout!.on('data', (data: Buffer) => {
    buffer += data.toString('utf8');
    for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      const w = waiting.shift();
      if (w) w(line);
      else queue.push(line);
    }
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const lines: AsyncIterator<string> = {
    next: () =>
      new Promise((resolve, reject) => {
        const line = queue.shift();
        if (line !== undefined) return resolve({ value: line, done: false });
        waiting.push((l) => resolve({ value: l, done: false }));
        void exited.then(() => reject(new Error(`child (${mode}) exited before printing a line`)));
      }),
  };
  return { proc, lines, exited };
}

async function nextLine(lines: AsyncIterator<string>): Promise<string> {
  return (await lines.next()).value as string;
}

/** Every file under `dir`, as '/'-joined paths relative to it. */
async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    if (e.isDirectory()) out.push(...(await filesUnder(join(dir, e.name), `${prefix}${e.name}/`)));
    else out.push(`${prefix}${e.name}`);
  }
  return out;
}

const mlflow = await ensureMlflow();

describe('the local store after SIGKILL and under racing processes (issue 10)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-fs-crash-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(`leaves only well-formed metric, param and tag files after ${KILLS} SIGKILLs of a process logging in a tight loop`, async () => {
    const root = join(dir, 'killed');
    const runIds: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const child = startChild(root, 'log');
      const line = await nextLine(child.lines);
      assert.match(line, /^run [0-9a-f]{32}$/);
      runIds.push(line.slice(4));
      await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 500));
      child.proc.kill('SIGKILL');
      await child.exited;
    }

    const store = new FileStore(root);
    const exp = await store.findExperimentByName('kill-loop');
    assert.ok(exp);
    const problems: string[] = [];
    let tornTails = 0;
    let metricFiles = 0;
    for (const runId of runIds) {
      const runDir = join(root, exp.experimentId, runId);
      for (const rel of await filesUnder(join(runDir, 'metrics'))) {
        metricFiles++;
        const text = await readFile(join(runDir, 'metrics', rel), 'utf8');
        if (text === '') problems.push(`${runId} metrics/${rel} is empty`);
        const lines = text.split('\n');
        if (lines.pop() !== '') tornTails++;
        const bad = lines.filter((l) => !/^\d+ \S+ \d+$/.test(l));
        if (bad.length) problems.push(`${runId} metrics/${rel}: malformed ${JSON.stringify(bad[0])}`);
      }
      for (const rel of await filesUnder(join(runDir, 'params'))) {
        const value = await readFile(join(runDir, 'params', rel), 'utf8');
        if (value !== `v${rel.slice(1)}`) problems.push(`${runId} params/${rel} = ${JSON.stringify(value)}`);
      }
      for (const rel of await filesUnder(join(runDir, 'tags'))) {
        const value = await readFile(join(runDir, 'tags', rel), 'utf8');
        const expected = rel === 'progress' ? /^step-\d+$/ : /^t\d+$/.test(rel) ? /^value-\d+$/ : /./;
        if (!expected.test(value)) problems.push(`${runId} tags/${rel} = ${JSON.stringify(value)}`);
      }
    }
    assert.deepEqual(problems, [], 'no empty, torn or half-written file');
    assert.ok(metricFiles > KILLS, 'the children did log');

    // runlog reads every run, with no error for the whole experiment.
    const found = await store.searchRuns({ experimentIds: [exp.experimentId], maxResults: 1000 });
    assert.deepEqual(found.items.map((r) => r.info.runId).sort(), [...runIds].sort());
    for (const run of found.items) {
      for (const key of Object.keys(run.data.metrics)) assert.ok((await store.getMetricHistory(run.info.runId, key)).length > 0);
    }
    // A torn tail (a kill inside the write system call) is cut off by the next append to the file.
    if (tornTails > 0) {
      const client = new RunlogClient({ trackingUri: root });
      for (const run of found.items) for (const key of Object.keys(run.data.metrics)) client.logMetric(run.info.runId, key, 0, { step: 1e9 });
      await client.close();
    }
    process.stdout.write(`# kill loop: ${KILLS} kills, ${runIds.length} runs, ${metricFiles} metric files, ${tornTails} torn tail(s)\n`);

    if (!mlflow) return;
    const py = await runPython(
      mlflow,
      `import json
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(`file://${root}`)})
runs = c.search_runs([${JSON.stringify(exp.experimentId)}], max_results=1000)
points = 0
for r in runs:
    for key in r.data.metrics:
        points += len(c.get_metric_history(r.info.run_id, key))
print(json.dumps({'runs': sorted(r.info.run_id for r in runs), 'points': points,
  'empty_tags': sum(1 for r in runs for v in r.data.tags.values() if v == ''),
  'empty_params': sum(1 for r in runs for v in r.data.params.values() if v == '')}))
`,
    );
    assert.deepEqual(py.runs, [...runIds].sort());
    assert.ok(py.points > 0);
    assert.equal(py.empty_tags, 0);
    assert.equal(py.empty_params, 0);
  });

  async function race(mode: 'experiment' | 'model', root: string): Promise<string[]> {
    const children = Array.from({ length: RACERS }, () => startChild(root, mode));
    for (const c of children) assert.equal(await nextLine(c.lines), 'ready');
    for (const c of children) c.proc.stdin!.write('go\n');
    const out = await Promise.all(children.map((c) => nextLine(c.lines)));
    await Promise.all(children.map((c) => c.exited));
    return out;
  }

  it(`creates one experiment when ${RACERS} processes call setExperiment('x') at once on a fresh store`, async () => {
    const counts: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const root = join(dir, `race-exp-${trial}`);
      const ids = await race('experiment', root);
      const store = new FileStore(root);
      const named = (await store.searchExperiments({ filter: "name = 'x'", viewType: 'ALL' })).items;
      counts.push(named.length);
      assert.equal(new Set(ids).size, 1, `trial ${trial}: every process got the same experiment (${ids.join(', ')})`);
      assert.deepEqual(named.map((e) => e.experimentId), [ids[0]]);
      assert.equal((await store.searchExperiments({ viewType: 'ALL' })).items.filter((e) => e.name === 'Default').length, 1);
    }
    process.stdout.write(`# setExperiment race: experiments named 'x' per trial: ${counts.join(', ')}\n`);
  });

  it(`creates one registered model when ${RACERS} processes call createRegisteredModel('m') at once`, async () => {
    for (let trial = 0; trial < 2; trial++) {
      const root = join(dir, `race-model-${trial}`);
      const outcomes = await race('model', root);
      assert.equal(outcomes.filter((o) => o === 'created').length, 1, outcomes.join(', '));
      assert.ok(outcomes.every((o) => o === 'created' || o === 'RUNLOG_ERR_ALREADY_EXISTS'), outcomes.join(', '));
      const client = new RunlogClient({ trackingUri: root });
      assert.deepEqual((await client.searchRegisteredModels()).items.map((m) => m.name), ['m']);
      await client.close();
    }
  });
});
