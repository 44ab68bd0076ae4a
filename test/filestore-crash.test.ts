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

const CHILD = fileURLToPath(new URL('./fixtures/filestore-child.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const KILLS = 12;
const RACERS = 6;
const TRIALS = 5;

/** Every child started; those still running when the tests end (one left waiting by a failure) are killed. */
const started = new Set<ChildProcess>();

function startChild(root: string, mode: string): { proc: ChildProcess; lines: AsyncIterator<string>; exited: Promise<void> } {
  const proc = spawn(process.execPath, childNodeArgs(CHILD, root, mode), {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  started.add(proc);
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
  const exited = new Promise<void>((resolve) =>
    proc.once('exit', () => {
      started.delete(proc);
      resolve();
    }),
  );
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
    for (const proc of started) proc.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it(`leaves only well-formed metric, param and tag files after ${KILLS} SIGKILLs of a process logging in a tight loop`, async () => {
    const root = join(dir, 'killed');
    const runIds: string[] = [];
    // One process logs at a time. The next one starts (Node and runlog loading) while the current
    // one logs, and waits at 'ready' until the current one is killed and gone.
    let next = startChild(root, 'log');
    for (let k = 0; k < KILLS; k++) {
      const child = next;
      assert.equal(await nextLine(child.lines), 'ready');
      child.proc.stdin!.write('go\n');
      const line = await nextLine(child.lines);
      assert.match(line, /^run [0-9a-f]{32}$/);
      runIds.push(line.slice(4));
      if (k + 1 < KILLS) next = startChild(root, 'log');
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

  type Child = ReturnType<typeof startChild>;

  /** RACERS processes for a fresh store at `root`, started: each loads and waits at 'ready'. */
  function racers(mode: 'experiment' | 'model', root: string): Child[] {
    return Array.from({ length: RACERS }, () => startChild(root, mode));
  }

  /** Once every racer is ready, tells them all to go at once; resolves what each printed. */
  async function race(children: Child[]): Promise<string[]> {
    for (const c of children) assert.equal(await nextLine(c.lines), 'ready');
    for (const c of children) c.proc.stdin!.write('go\n');
    return Promise.all(children.map((c) => nextLine(c.lines)));
  }

  /**
   * Runs `trials` races of `mode`, each on a fresh store, and hands each trial's store and answers
   * to `check`. A trial's racers are started once the previous race is over (every racer has
   * answered), so they load while the previous racers exit and their store is checked.
   */
  async function trials(mode: 'experiment' | 'model', count: number, check: (trial: number, root: string, outcomes: string[]) => Promise<void>): Promise<void> {
    const root = (trial: number) => join(dir, `race-${mode}-${trial}`);
    let next = racers(mode, root(0));
    for (let trial = 0; trial < count; trial++) {
      const children = next;
      const outcomes = await race(children);
      if (trial + 1 < count) next = racers(mode, root(trial + 1));
      await Promise.all(children.map((c) => c.exited));
      await check(trial, root(trial), outcomes);
    }
  }

  it(`creates one experiment when ${RACERS} processes call setExperiment('x') at once on a fresh store`, async () => {
    const counts: number[] = [];
    await trials('experiment', TRIALS, async (trial, root, ids) => {
      const store = new FileStore(root);
      const named = (await store.searchExperiments({ filter: "name = 'x'", viewType: 'ALL' })).items;
      counts.push(named.length);
      assert.equal(new Set(ids).size, 1, `trial ${trial}: every process got the same experiment (${ids.join(', ')})`);
      assert.deepEqual(named.map((e) => e.experimentId), [ids[0]]);
      assert.equal((await store.searchExperiments({ viewType: 'ALL' })).items.filter((e) => e.name === 'Default').length, 1);
    });
    process.stdout.write(`# setExperiment race: experiments named 'x' per trial: ${counts.join(', ')}\n`);
  });

  it(`creates one registered model when ${RACERS} processes call createRegisteredModel('m') at once`, async () => {
    await trials('model', 2, async (_trial, root, outcomes) => {
      assert.equal(outcomes.filter((o) => o === 'created').length, 1, outcomes.join(', '));
      assert.ok(outcomes.every((o) => o === 'created' || o === 'RUNLOG_ERR_ALREADY_EXISTS'), outcomes.join(', '));
      const client = new RunlogClient({ trackingUri: root });
      assert.deepEqual((await client.searchRegisteredModels()).items.map((m) => m.name), ['m']);
      await client.close();
    });
  });
});
