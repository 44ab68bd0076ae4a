// The `runlog` CLI against real MLflow 3.18 (issue #11): experiments, runs and registered models
// written by Python's MlflowClient list through `runlog experiments / runs / models`, and a repeat
// `runlog sync --from ./mlruns` that has nothing new sends nothing (its progress marks say so).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from 'runlog';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';
import { runCli, STACK_LINE } from '../support/run-cli.js';

const env = await ensureMlflow();

describe('runlog CLI against real MLflow 3.18', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  let tmp: string;
  let pyRunId: string;
  before(async () => {
    server = await sharedMlflowServer(env!);
    tmp = await mkdtemp(join(tmpdir(), 'runlog-cli-interop-'));
    const made = await runPython(
      env!,
      `
import json
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
exp = c.create_experiment('py-exp')
run = c.create_run(exp, run_name='py-run')
c.log_param(run.info.run_id, 'lr', '0.3')
c.log_metric(run.info.run_id, 'acc', 0.875, step=1)
c.set_terminated(run.info.run_id, 'FINISHED')
c.create_registered_model('py-model')
for i in (1, 2):
    c.create_model_version('py-model', f'runs:/{run.info.run_id}/model{i}', run_id=run.info.run_id)
c.set_registered_model_alias('py-model', 'prod', '2')
print(json.dumps({'run_id': run.info.run_id}))
`,
    );
    pyRunId = made.run_id;
  });
  after(async () => {
    await server?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('experiments, runs -e <name> --columns and models list what Python wrote', async () => {
    const exps = await runCli(['experiments', '--tracking-uri', server.uri]);
    assert.equal(exps.code, 0, exps.err);
    assert.match(exps.out, /^0\s+Default\s/m);
    assert.match(exps.out, /^\d+\s+py-exp\s/m);

    const runs = await runCli(['runs', '--tracking-uri', server.uri, '-e', 'py-exp', '--columns', 'lr,acc']);
    assert.equal(runs.code, 0, runs.err);
    assert.match(runs.out, /^RUN ID\s+NAME\s+STATUS\s+START\s+DURATION\s+lr\s+acc$/m);
    assert.match(runs.out, new RegExp(`^${pyRunId}\\s+py-run\\s+FINISHED\\s+\\S+ \\S+\\s+\\S+\\s+0\\.3\\s+0\\.875$`, 'm'));

    const models = await runCli(['models', '--tracking-uri', server.uri]);
    assert.equal(models.code, 0, models.err);
    assert.match(models.out, /^py-model\s+2, 1\s+prod→2\s/m);

    const unknown = await runCli(['runs', '--tracking-uri', server.uri, '-e', 'no-such-exp']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /No experiment named or numbered 'no-such-exp'/);
    assert.doesNotMatch(unknown.err, STACK_LINE);
  });

  it('a repeat sync --from sends nothing: the progress marks show every run unchanged', async () => {
    const mlruns = join(tmp, 'mlruns');
    const state = join(tmp, 'state');
    const local = new RunlogClient({ trackingUri: mlruns });
    const expId = await local.createExperiment('offline-cli');
    for (let i = 0; i < 2; i++) {
      const run = await local.createRun(expId, { runName: `offline-${i}` });
      for (let step = 0; step < 500; step++) local.logMetric(run.info.runId, 'loss', 1 / (step + 1), { step });
      await local.setTerminated(run.info.runId, 'FINISHED');
    }
    await local.close();
    const args = ['sync', '--from', mlruns, '--to', server.uri];
    const first = await runCli(args, { env: { XDG_STATE_HOME: state } });
    assert.equal(first.code, 0, first.err);
    assert.equal((first.out.match(/^published /gm) ?? []).length, 2, first.out);
    assert.match(first.out, /500 metric point\(s\)/);
    assert.equal((await readdir(join(state, 'runlog', 'publish-marks'))).length, 1, 'one marks file for the server');

    const again = await runCli(args, { env: { XDG_STATE_HOME: state } });
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.out, /^(published|updated) /m, again.out);
    assert.match(again.out, /^2 run\(s\) unchanged since they were last published/m);

    const checked = await runCli([...args, '--no-marks'], { env: { XDG_STATE_HOME: state } });
    assert.equal(checked.code, 0, checked.err);
    assert.match(checked.out, /^updated .*: 0 metric point\(s\), 0 param\(s\), 0 tag\(s\)/m, 'without marks each run is checked, and nothing is new');
  });
});
