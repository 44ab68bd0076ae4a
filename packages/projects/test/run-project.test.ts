// run(): a project's entry point as a tracked run on the local store — the run is made (params,
// project tags) before the command starts, the command gets the run's environment, and its exit
// decides the status; bad input leaves no run at all.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import { run } from '../src/index.js';
import { allRuns, gitIn, makeProject, makeStore, RECORDER } from './support.js';

const MLPROJECT = `name: t
entry_points:
  main:
    parameters:
      lr: {type: float, default: 0.1}
      epochs: {type: int, default: 2}
      data: {type: path, default: data.csv}
    command: "node rec.mjs --lr {lr} --epochs {epochs} --data {data}"
  sleep:
    command: "node -e \\"setInterval(Date.now, 1000)\\""
`;

describe('run() on the local store', () => {
  const store = makeStore();
  after(() => store.client.close());

  it('creates the run with its params and project tags, gives the command MLFLOW_RUN_ID/_TRACKING_URI/_EXPERIMENT_ID, and marks it FINISHED', async () => {
    const dir = makeProject({ MLproject: MLPROJECT, 'rec.mjs': RECORDER, 'data.csv': 'x\n' });
    const submitted = await run({ uri: dir, cwd: dir, parameters: { lr: '0.5', extra: 'a b' }, trackingUri: store.uri, stdio: 'ignore' });
    assert.equal(submitted.getStatus(), 'RUNNING');
    assert.equal(await submitted.wait(), true);
    assert.equal(submitted.getStatus(), 'FINISHED');
    const seen = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
    assert.deepEqual(seen.argv, ['--lr', '0.5', '--epochs', '2', '--data', join(dir, 'data.csv'), '--extra', 'a b']);
    assert.equal(seen.runId, submitted.runId);
    assert.equal(seen.experimentId, '0');
    assert.match(seen.trackingUri, /^file:\/\//);
    const r = await store.client.getRun(submitted.runId);
    assert.equal(r.info.status, 'FINISHED');
    assert.deepEqual(r.data.params, { lr: '0.5', epochs: '2', data: 'data.csv', extra: "'a b'" });
    assert.equal(r.data.tags['mlflow.source.type'], 'PROJECT');
    assert.equal(r.data.tags['mlflow.source.name'], dir);
    assert.equal(r.data.tags['mlflow.project.entryPoint'], 'main');
    assert.equal(r.data.tags['mlflow.project.backend'], 'local');
    assert.equal(r.data.tags['mlflow.project.env'], 'local');
    assert.equal(r.data.tags['runlog.project.nodeVersion'], process.versions.node);
    assert.ok(r.data.tags['mlflow.user']);
  });

  it('passes a failing exit code through and marks the run FAILED', async () => {
    const dir = makeProject({ MLproject: MLPROJECT, 'rec.mjs': RECORDER, 'data.csv': 'x\n' });
    const submitted = await run({ uri: dir, cwd: dir, trackingUri: store.uri, stdio: 'ignore', env: { EXIT: '3' } });
    const outcome = await submitted.result();
    assert.deepEqual(outcome, { status: 'FAILED', exitCode: 3, signal: null });
    assert.equal((await store.client.getRun(submitted.runId)).info.status, 'FAILED');
  });

  it('cancel() stops the command and marks the run KILLED', async () => {
    const dir = makeProject({ MLproject: MLPROJECT });
    const submitted = await run({ uri: dir, cwd: dir, entryPoint: 'sleep', trackingUri: store.uri, stdio: 'ignore' });
    await submitted.cancel();
    assert.equal(submitted.getStatus(), 'KILLED');
    const outcome = await submitted.result();
    assert.equal(outcome.exitCode, 128 + 15);
    assert.equal((await store.client.getRun(submitted.runId)).info.status, 'KILLED');
  });

  it('downloads a runs:/ URI given to a path parameter and hands the command a local path', async () => {
    const source = await store.client.createRun('0', { runName: 'has-data' });
    const dataDir = makeProject({ 'train.csv': 'x,y\n1,2\n' });
    await store.client.logArtifact(source.info.runId, join(dataDir, 'train.csv'), 'data');
    await store.client.setTerminated(source.info.runId, 'FINISHED');
    const dir = makeProject({
      MLproject: 'entry_points:\n  main:\n    parameters:\n      data: path\n    command: "node copy.mjs {data}"\n',
      'copy.mjs': "import { readFileSync, writeFileSync } from 'node:fs';\nwriteFileSync('copied.txt', readFileSync(process.argv[2], 'utf8'));\n",
    });
    const submitted = await run({ uri: dir, parameters: { data: `runs:/${source.info.runId}/data/train.csv` }, trackingUri: store.uri, stdio: 'ignore' });
    assert.equal(await submitted.wait(), true);
    assert.equal(readFileSync(join(dir, 'copied.txt'), 'utf8'), 'x,y\n1,2\n');
    assert.equal((await store.client.getRun(submitted.runId)).data.params.data, `runs:/${source.info.runId}/data/train.csv`);
  });

  it('refuses bad input before any run exists: unknown entry point, missing param, bad float, bad int, missing path, unknown git ref', async () => {
    const fresh = makeStore();
    try {
      const dir = makeProject({ MLproject: MLPROJECT.replace('lr: {type: float, default: 0.1}', 'lr: float'), 'rec.mjs': RECORDER, 'data.csv': 'x\n' });
      gitIn(dir, 'init', '-q');
      gitIn(dir, 'add', '.');
      gitIn(dir, 'commit', '-qm', 'one');
      const cases: Array<[Parameters<typeof run>[0], RegExp]> = [
        [{ uri: dir, entryPoint: 'nope', parameters: { lr: '1' } }, /^Could not find nope among entry points \['main', 'sleep'\]/],
        [{ uri: dir, parameters: {} }, /^No value given for missing parameters: 'lr'$/],
        [{ uri: dir, parameters: { lr: 'fast' } }, /^Parameter 'lr' is a float, but got 'fast'\.$/],
        [{ uri: dir, parameters: { lr: '1', epochs: '2.5' } }, /^Parameter 'epochs' is an int, but got '2\.5'\.$/],
        [{ uri: dir, parameters: { lr: '1', data: 'missing.csv' } }, /^Got value missing\.csv for parameter data, but no such file or directory was found\.$/],
        [{ uri: dir, version: 'no-such-ref', parameters: { lr: '1' } }, /^Unable to checkout version 'no-such-ref' of git repo /],
      ];
      for (const [opts, message] of cases) {
        await assert.rejects(run({ ...opts, cwd: dir, trackingUri: fresh.uri, stdio: 'ignore' }), (e: Error) => e instanceof InvalidArgumentError && message.test(e.message), String(message));
      }
      assert.deepEqual(await allRuns(fresh.client), []);
    } finally {
      await fresh.client.close();
    }
  });

  it('runs a git repository at a version (tag, branch) and #subdir from a temporary clone, tagging commit and branch', async () => {
    const repo = makeProject({ 'proj/MLproject': 'entry_points:\n  main:\n    command: "node rec.mjs v1"\n', 'proj/rec.mjs': RECORDER });
    gitIn(repo, 'init', '-q', '-b', 'trunk');
    gitIn(repo, 'add', '.');
    gitIn(repo, 'commit', '-qm', 'v1');
    gitIn(repo, 'tag', 'v1');
    const v1 = gitIn(repo, 'rev-parse', 'HEAD');
    gitIn(repo, 'checkout', '-q', '-b', 'exp');
    gitIn(repo, 'mv', 'proj/rec.mjs', 'proj/rec2.mjs');
    gitIn(repo, 'commit', '-qam', 'exp');
    const exp = gitIn(repo, 'rev-parse', 'HEAD');
    gitIn(repo, 'checkout', '-q', 'trunk');

    const byTag = await run({ uri: `${repo}#proj`, version: 'v1', trackingUri: store.uri, stdio: 'ignore' });
    assert.equal(await byTag.wait(), true);
    const tagRun = await store.client.getRun(byTag.runId);
    assert.equal(tagRun.data.tags['mlflow.source.git.commit'], v1);
    assert.equal(tagRun.data.tags['mlflow.source.git.branch'], undefined);
    // With #subdir the URI is recorded as given, as `mlflow run` records it.
    assert.equal(tagRun.data.tags['mlflow.source.name'], `${repo}#proj`);

    // On branch `exp` rec.mjs is gone: the command fails, which proves the branch was checked out.
    const byBranch = await run({ uri: `${repo}#proj`, version: 'exp', trackingUri: store.uri, stdio: 'ignore' });
    assert.equal(await byBranch.wait(), false);
    const branchRun = await store.client.getRun(byBranch.runId);
    assert.equal(branchRun.data.tags['mlflow.source.git.commit'], exp);
    assert.equal(branchRun.data.tags['mlflow.source.git.branch'], 'exp');
  });
});
