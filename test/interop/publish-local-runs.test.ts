import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, describe, it } from 'node:test';
import { publishLocalRuns, RunlogClient, SOURCE_RUN_TAG } from '@runlog/core';
import { startFaultProxy } from '../support/fault-proxy.js';
import { cliNodeArgs } from '../support/child-node.js';
import { ensureMlflow, runPython, sharedMlflowServer, uniqueName, type MlflowServer } from '../support/mlflow-env.js';
import { PY_VALUE_PRELUDE, toPythonJson } from '../support/python-values.js';

const env = await ensureMlflow();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('publishLocalRuns: a local ./mlruns published to a real MLflow 3.18 server', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  // The run's shared server: experiments named for this file alone; of Default, which other files
  // write too, only the runs published from this file's local runs are read (every run the
  // publisher creates carries SOURCE_RUN_TAG from runs/create on, duplicates included).
  let server: MlflowServer;
  before(async () => {
    server = await sharedMlflowServer(env!);
  });

  it('lands every run, param, tag, metric point and artifact; a second publish creates nothing and duplicates no point', async () => {
    const mlruns = join(await mkdtemp(join(tmpdir(), 'runlog-publish-')), 'mlruns');
    const local = new RunlogClient({ trackingUri: mlruns });
    const expName = uniqueName('offline-work');
    const expId = await local.createExperiment(expName, { tags: { origin: 'laptop' } });
    const t0 = 1_700_000_000_000;
    const parent = await local.createRun(expId, { runName: 'parent', startTime: t0, tags: { team: 'ml', 'mlflow.user': 'alice' } });
    const pid = parent.info.runId;
    local.logParam(pid, 'lr', 0.01);
    local.logParam(pid, 'optimizer', 'adam');
    const expected: Array<[string, number | string, number, number]> = [];
    for (let step = 0; step < 3000; step++) {
      const loss = 1 / (step + 1);
      local.logMetric(pid, 'loss', loss, { step, timestamp: t0 + step });
      local.logMetric(pid, 'val/acc', step / 3000, { step, timestamp: t0 + step });
      expected.push(['loss', loss, t0 + step, step], ['val/acc', step / 3000, t0 + step, step]);
    }
    local.logMetric(pid, 'odd', NaN, { step: 0, timestamp: t0 });
    expected.push(['odd', toPythonJson(NaN), t0, 0]);
    local.setTag(pid, 'stage', 'dev');
    const dir = await mkdtemp(join(tmpdir(), 'runlog-publish-art-'));
    await mkdir(join(dir, 'deeper'), { recursive: true });
    const blob = randomBytes(100_000);
    await writeFile(join(dir, 'deeper', 'blob.bin'), blob);
    await local.logArtifacts(pid, dir, 'data');
    await local.logText(pid, 'summary', 'notes/summary.txt');
    const child = await local.createRun(expId, { runName: 'child', startTime: t0 + 10, tags: { 'mlflow.parentRunId': pid } });
    local.logMetric(child.info.runId, 'child_metric', 42, { step: 7, timestamp: t0 + 11 });
    await local.setTerminated(child.info.runId, 'FINISHED', { endTime: t0 + 20 });
    await local.setTerminated(pid, 'FINISHED', { endTime: t0 + 5000 });
    const inDefault = await local.createRun('0', { runName: 'in-default', startTime: t0 + 1 });
    await local.setTerminated(inDefault.info.runId, 'KILLED', { endTime: t0 + 2 });
    await local.close();

    const first = await publishLocalRuns({ from: mlruns, to: server.uri });
    assert.deepEqual(
      first.runs.map((r) => [r.localId, r.created]).sort(),
      [[pid, true], [child.info.runId, true], [inDefault.info.runId, true]].sort(),
    );
    const byLocal = new Map(first.runs.map((r) => [r.localId, r]));
    const serverParent = byLocal.get(pid)!.serverId!;
    const serverChild = byLocal.get(child.info.runId)!.serverId!;
    const serverDefault = byLocal.get(inDefault.info.runId)!.serverId!;
    assert.equal(byLocal.get(pid)!.metrics, 6001);
    assert.equal(byLocal.get(pid)!.artifacts, 2);

    const readBack = `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
exp = c.get_experiment_by_name(${JSON.stringify(expName)})
runs = c.search_runs([exp.experiment_id], run_view_type=3, max_results=1000) + c.search_runs(
    ['0'], filter_string="tags.\`${SOURCE_RUN_TAG}\` = '${inDefault.info.runId}'", run_view_type=3, max_results=1000)
r = c.get_run(${JSON.stringify(serverParent)})
ch = c.get_run(${JSON.stringify(serverChild)})
d = c.get_run(${JSON.stringify(serverDefault)})
hist = []
for k in ['loss', 'val/acc', 'odd']:
    hist += [[m.key, v(m.value), m.timestamp, m.step] for m in c.get_metric_history(r.info.run_id, k)]
import mlflow.artifacts
blob = mlflow.artifacts.download_artifacts(run_id=r.info.run_id, artifact_path='data/deeper/blob.bin', tracking_uri=${JSON.stringify(server.uri)})
print(json.dumps({
  'exp_id': exp.experiment_id, 'exp_tags': exp.tags,
  'runs': sorted([[x.info.run_id, x.info.lifecycle_stage, x.data.tags.get(${JSON.stringify(SOURCE_RUN_TAG)})] for x in runs]),
  'info': [r.info.run_name, r.info.status, r.info.start_time, r.info.end_time, r.info.experiment_id, r.info.user_id],
  'params': r.data.params, 'tags': r.data.tags, 'hist': hist,
  'child': [ch.info.run_name, ch.info.status, ch.info.start_time, ch.info.end_time, ch.data.tags.get('mlflow.parentRunId')],
  'child_hist': [[m.value, m.timestamp, m.step] for m in c.get_metric_history(ch.info.run_id, 'child_metric')],
  'default': [d.info.experiment_id, d.info.run_name, d.info.status, d.info.end_time],
  'artifacts': sorted(a[0] for a in walk_artifacts(c, r.info.run_id)),
  'blob_sha': hashlib.sha256(open(blob, 'rb').read()).hexdigest(),
  'summary': open(mlflow.artifacts.download_artifacts(run_id=r.info.run_id, artifact_path='notes/summary.txt', tracking_uri=${JSON.stringify(server.uri)})).read(),
}))
`;
    const sortPts = (a: any[]) => [...a].sort((x, y) => String(x[0]).localeCompare(String(y[0])) || x[3] - y[3]);
    const check = (py: any) => {
      assert.deepEqual(py.exp_tags, { origin: 'laptop' });
      assert.deepEqual(py.runs, [
        [serverParent, 'active', pid],
        [serverChild, 'active', child.info.runId],
        [serverDefault, 'active', inDefault.info.runId],
      ].sort());
      assert.deepEqual(py.info, ['parent', 'FINISHED', t0, t0 + 5000, py.exp_id, 'alice']);
      assert.deepEqual(py.params, { lr: '0.01', optimizer: 'adam' });
      assert.equal(py.tags.team, 'ml');
      assert.equal(py.tags.stage, 'dev');
      assert.equal(py.tags['mlflow.runName'], 'parent');
      assert.equal(py.tags[SOURCE_RUN_TAG], pid);
      assert.equal(py.hist.length, 6001, 'every point exactly once');
      assert.deepEqual(sortPts(py.hist), sortPts(expected));
      assert.deepEqual(py.child, ['child', 'FINISHED', t0 + 10, t0 + 20, serverParent]);
      assert.deepEqual(py.child_hist, [[42, t0 + 11, 7]]);
      assert.deepEqual(py.default, ['0', 'in-default', 'KILLED', t0 + 2]);
      assert.deepEqual(py.artifacts, ['data', 'data/deeper', 'data/deeper/blob.bin', 'notes', 'notes/summary.txt']);
      assert.equal(py.blob_sha, createHash('sha256').update(blob).digest('hex'));
      assert.equal(py.summary, 'summary');
    };
    check(await runPython(env!, readBack));

    // The second publish goes through the CLI, as a user runs it: it reuses every run and sends no record.
    const cli = spawnSync(process.execPath, cliNodeArgs('sync', '--from', mlruns, '--to', server.uri), {
      cwd: ROOT,
      encoding: 'utf8',
      // The CLI's progress marks go to a throw-away state directory, not the user's.
      env: { ...process.env, XDG_STATE_HOME: await mkdtemp(join(tmpdir(), 'runlog-state-')) },
    });
    assert.equal(cli.status, 0, cli.stdout + cli.stderr);
    const lines = cli.stdout.trim().split('\n');
    assert.equal(lines.length, first.runs.length, cli.stdout);
    for (const r of first.runs) {
      const line = lines.find((l) => l.includes(` ${r.localId} `));
      assert.ok(line, `a line for ${r.localId}`);
      assert.match(line, new RegExp(`^updated ${r.localId} → \\S+ run ${r.serverId}: 0 metric point\\(s\\), 0 param\\(s\\), 0 tag\\(s\\)`));
    }
    check(await runPython(env!, readBack));
  });

  it('publishes once through a lost runs/create answer, 429s and dropped log-batch connections', async () => {
    const mlruns = join(await mkdtemp(join(tmpdir(), 'runlog-publish-')), 'mlruns');
    const local = new RunlogClient({ trackingUri: mlruns });
    const expName = uniqueName('offline-faults');
    const expId = await local.createExperiment(expName);
    const run = await local.createRun(expId, { runName: 'through-faults', startTime: 1_700_000_000_000 });
    for (let step = 0; step < 2500; step++) local.logMetric(run.info.runId, 'loss', 1 / (step + 1), { step, timestamp: 1_700_000_000_000 + step });
    local.logParam(run.info.runId, 'lr', 0.1);
    await local.setTerminated(run.info.runId, 'FINISHED', { endTime: 1_700_000_009_000 });
    await local.close();

    const proxy = await startFaultProxy(server.uri, (req) => {
      if (req.path.endsWith('runs/create') && req.seqForPath === 0) return { kind: 'drop-after' };
      if (req.path.endsWith('runs/log-batch')) {
        return [{ kind: 'status', status: 429, retryAfterS: 1 } as const, { kind: 'drop-after' } as const, { kind: 'drop-before' } as const][req.seqForPath];
      }
      return undefined;
    });
    try {
      const summary = await publishLocalRuns({
        from: mlruns,
        to: proxy.url,
        retry: { maxRetries: 10, baseDelayMs: 50, maxDelayMs: 200, jitterMs: 50 },
      });
      assert.equal(proxy.requestsTo('runs/create').length, 2, 'the lost answer made the client create again');
      const serverId = summary.runs[0]!.serverId!;
      const py = await runPython(
        env!,
        `${PY_VALUE_PRELUDE}
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
exp = c.get_experiment_by_name(${JSON.stringify(expName)})
runs = c.search_runs([exp.experiment_id], run_view_type=3)
print(json.dumps({
  'runs': sorted([[r.info.run_id, r.info.lifecycle_stage] for r in runs]),
  'points': len(c.get_metric_history(${JSON.stringify(serverId)}, 'loss')),
  'steps': len(set(m.step for m in c.get_metric_history(${JSON.stringify(serverId)}, 'loss'))),
  'status': c.get_run(${JSON.stringify(serverId)}).info.status,
  'params': c.get_run(${JSON.stringify(serverId)}).data.params,
}))
`,
      );
      // The duplicate made by the resent create is deleted; one active run holds everything once.
      assert.equal(py.runs.length, 2);
      assert.deepEqual(py.runs.filter((r: string[]) => r[1] === 'active'), [[serverId, 'active']]);
      assert.deepEqual([py.points, py.steps, py.status, py.params], [2500, 2500, 'FINISHED', { lr: '0.1' }]);
    } finally {
      await proxy.close();
    }
  });
});
