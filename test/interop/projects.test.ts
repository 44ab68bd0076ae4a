// Projects (issue #15) against real MLflow 3.18: examples/mlproject run by `mlflow run
// --env-manager local` and by `runlog run` gives both runs the same params and project tags (read
// back with Python's client); a Python entry point's mlflow.log_metric lands in runlog's run; a
// 2x2 sweep makes four children and a rerun none; each bad input is one line, a non-zero exit and
// no RUNNING run.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assertPackagesBuilt } from '../support/child-node.js';
import { ensureMlflow, runMlflowCli, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';
import { REPO_ROOT, runCli, STACK_LINE } from '../support/run-cli.js';
import { execFileSync } from 'node:child_process';

const env = await ensureMlflow();
const EXAMPLE = fileURLToPath(new URL('../../examples/mlproject', import.meta.url));
// The run's shared server holds other files' experiments too: this file counts runs of its own.
const EXPERIMENT = uniqueName('projects-interop');
// The example's `import … from 'runlog'` resolves, through the node_modules link below, to this
// repository's built packages: plain Node runs it and the CLI, as a user's install would.
assertPackagesBuilt();
// The tags `mlflow run` sets on a local project in a git work tree.
const PROJECT_TAGS = ['mlflow.user', 'mlflow.source.name', 'mlflow.source.type', 'mlflow.project.entryPoint', 'mlflow.source.git.commit', 'mlflow.project.backend'];

function git(dir: string, ...args: string[]): void {
  execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

interface PyRun {
  run_id: string;
  status: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, number>;
}

describe('runlog run against real MLflow 3.18', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  let project: string;
  let childEnv: Record<string, string | undefined>;

  /** Every run of the experiment, read with Python's client. */
  const pyRuns = async (): Promise<PyRun[]> =>
    runPython(
      env!,
      `
import json
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
exp = c.get_experiment_by_name(${JSON.stringify(EXPERIMENT)})
runs = [] if exp is None else c.search_runs([exp.experiment_id], max_results=1000)
print(json.dumps([{"run_id": r.info.run_id, "status": r.info.status, "params": r.data.params, "tags": r.data.tags, "metrics": r.data.metrics} for r in runs]))
`,
    );

  before(async () => {
    server = await sharedMlflowServer(env!);
    // The example in a git work tree of its own, so both tools see the same source and commit.
    project = join(mkdtempSync(join(tmpdir(), 'runlog-projects-interop-')), 'mlproject');
    cpSync(EXAMPLE, project, { recursive: true });
    git(project, 'init', '-q');
    git(project, 'add', '.');
    git(project, 'commit', '-qm', 'example');
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(project, 'node_modules'), 'dir');
    childEnv = {
      MLFLOW_TRACKING_URI: server.uri,
      // `python` of the MLflow venv for the Python entry point; `node` for the Node one.
      PATH: [dirname(env!.python), dirname(process.execPath), process.env.PATH].join(delimiter),
      MLFLOW_DISABLE_TELEMETRY: 'true',
      // The example's runlog keeps its journal in a throw-away directory, never the user's.
      RUNLOG_JOURNAL_DIR: mkdtempSync(join(tmpdir(), 'runlog-projects-journal-')),
    };
  });
  after(async () => {
    await server?.stop();
  });

  it('mlflow run --env-manager local and runlog run give the same params and project tags', async () => {
    const mlflowRun = await runMlflowCli(env!, ['run', project, '--env-manager', 'local', '--experiment-name', EXPERIMENT, '-P', 'lr=0.2', '-P', 'epochs=3', '-P', 'note=a b'], {
      cwd: project,
      env: childEnv,
    });
    assert.equal(mlflowRun.code, 0, mlflowRun.stderr);
    const ours = await runCli(['run', project, '--experiment-name', EXPERIMENT, '-P', 'lr=0.2', '-P', 'epochs=3', '-P', 'note=a b'], { cwd: project, env: childEnv, timeoutMs: 180_000 });
    assert.equal(ours.code, 0, ours.err);
    const runs = await pyRuns();
    assert.equal(runs.length, 2);
    const runlogId = /run ([0-9a-f]{32})/.exec(ours.err)![1];
    const runlogRun = runs.find((r) => r.run_id === runlogId)!;
    const mlflowRunRead = runs.find((r) => r.run_id !== runlogId)!;
    assert.deepEqual(runlogRun.params, mlflowRunRead.params);
    assert.deepEqual(runlogRun.params, { lr: '0.2', epochs: '3', optimizer: 'sgd', data: 'data.csv', note: "'a b'" });
    for (const tag of PROJECT_TAGS) {
      assert.ok(mlflowRunRead.tags[tag] !== undefined, `mlflow run set no ${tag}`);
      assert.equal(runlogRun.tags[tag], mlflowRunRead.tags[tag], tag);
    }
    // Both commands logged through runlog into the run they were given, and both ended FINISHED.
    for (const r of [runlogRun, mlflowRunRead]) {
      assert.equal(r.status, 'FINISHED');
      assert.equal(typeof r.metrics.val_loss, 'number');
    }
    assert.equal(runlogRun.metrics.val_loss, mlflowRunRead.metrics.val_loss);
  });

  it("a Python entry point's mlflow.log_metric lands in the run runlog created", async () => {
    const ours = await runCli(['run', project, '-e', 'python', '--experiment-name', EXPERIMENT, '-P', 'lr=0.3', '-P', 'epochs=4'], { cwd: project, env: childEnv, timeoutMs: 180_000 });
    assert.equal(ours.code, 0, ours.err);
    const runId = /run ([0-9a-f]{32})/.exec(ours.err)![1];
    const r = (await pyRuns()).find((x) => x.run_id === runId)!;
    assert.equal(r.status, 'FINISHED');
    assert.deepEqual(r.params, { lr: '0.3', epochs: '4' });
    assert.equal(r.tags['mlflow.project.entryPoint'], 'python');
    assert.equal(r.tags['mlflow.project.env'], 'local');
    assert.equal(typeof r.metrics.val_loss, 'number');
    assert.equal(typeof r.metrics.loss, 'number');
  });

  it('a 2x2 grid sweep makes four children under one parent, prints them ranked, and a rerun adds none', async () => {
    const args = ['run', project, '--experiment-name', EXPERIMENT, '--sweep', 'grid', '-P', 'lr=0.1,0.05', '-P', 'epochs=2,3', '--max-parallel', '2', '--metric', 'val_loss', '--mode', 'min'];
    const first = await runCli(args, { cwd: project, env: childEnv, timeoutMs: 300_000 });
    assert.equal(first.code, 0, first.err);
    const before = await pyRuns();
    const parent = before.find((r) => r.tags['runlog.sweep.role'] === 'parent')!;
    const children = before.filter((r) => r.tags['mlflow.parentRunId'] === parent.run_id);
    assert.equal(children.length, 4);
    assert.deepEqual(children.map((c) => `${c.params.lr}/${c.params.epochs}`).sort(), ['0.05/2', '0.05/3', '0.1/2', '0.1/3']);
    assert.ok(children.every((c) => c.status === 'FINISHED'));
    // The table is sorted by val_loss, lowest first; the parent carries the best child's params and metric.
    const losses = [...first.out.matchAll(/^[0-9a-f]{32}\s+FINISHED\s+\S+\s+\S+\s+(\S+)$/gm)].map((m) => Number(m[1]));
    assert.equal(losses.length, 4, first.out);
    assert.deepEqual(losses, [...losses].sort((a, b) => a - b));
    const best = children.reduce((a, b) => (a.metrics.val_loss! <= b.metrics.val_loss! ? a : b));
    assert.equal(parent.status, 'FINISHED');
    assert.equal(parent.params.lr, best.params.lr);
    assert.equal(parent.params.epochs, best.params.epochs);
    assert.equal(parent.metrics.val_loss, best.metrics.val_loss);

    const again = await runCli(args, { cwd: project, env: childEnv, timeoutMs: 300_000 });
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /FINISHED \(earlier\)/);
    assert.equal((await pyRuns()).length, before.length);
  });

  it('bad input: one line, a non-zero exit, no RUNNING run left behind', async () => {
    const count = (await pyRuns()).length;
    const cases: Array<[string[], RegExp]> = [
      [['-e', 'nope'], /^runlog: Could not find nope among entry points \['main', 'python'\]/],
      [['-e', 'python'], /^runlog: No value given for missing parameters: 'epochs'$/],
      [['-P', 'lr=fast'], /^runlog: Parameter 'lr' is a float, but got 'fast'\.$/],
      [['-P', 'epochs=2.5'], /^runlog: Parameter 'epochs' is an int, but got '2\.5'\.$/],
      [['-P', 'data=missing.csv'], /^runlog: Got value missing\.csv for parameter data, but no such file or directory was found\.$/],
      [['--version', 'no-such-ref'], /^runlog: Unable to checkout version 'no-such-ref' of git repo /],
    ];
    for (const [extra, message] of cases) {
      const res = await runCli(['run', project, '--experiment-name', EXPERIMENT, ...extra], { cwd: project, env: childEnv });
      assert.notEqual(res.code, 0, res.err);
      assert.match(res.err.trim(), message);
      assert.equal(res.err.trim().split('\n').length, 1, res.err);
      assert.doesNotMatch(res.err, STACK_LINE);
    }
    const after = await pyRuns();
    assert.equal(after.length, count);
    assert.deepEqual(after.filter((r) => r.status === 'RUNNING'), []);
  });
});
