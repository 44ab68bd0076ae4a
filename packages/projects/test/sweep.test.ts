// Sweeps: each combination a nested child of one parent; a rerun finds the parent and skips the
// finished children; the best child's params and metric land on the parent.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { runSweep, SWEEP_BEST_RUN_TAG } from '../src/index.js';
import { allRuns, makeProject, makeStore } from './support.js';

// The child logs val_loss = lr * layers with @runlog/core's client (from sources, through tsx),
// as a user's script logs with runlog.
const TRAIN = `
import { RunlogClient } from '@runlog/core';
const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((s) => s.trim().split(' ')));
const client = new RunlogClient();
client.logMetric(process.env.MLFLOW_RUN_ID, 'val_loss', Number(args.lr) * Number(args.layers));
await client.close();
if (process.env.FAIL_LAYERS === args.layers) process.exit(1);
`;
const MLPROJECT = `entry_points:
  main:
    parameters:
      lr: float
      layers: int
    command: "node --conditions=source --import tsx train.mts --lr {lr} --layers {layers}"
`;

describe('sweeps on the local store', () => {
  const store = makeStore();
  after(() => store.client.close());

  it('runs a 2x2 grid as four children of one parent, ranks them, records the best on the parent; a rerun adds none', async () => {
    const dir = makeProject({ MLproject: MLPROJECT, 'train.mts': TRAIN }, { linkModules: true });
    const opts = { uri: dir, cwd: process.cwd(), trackingUri: store.uri, stdio: 'ignore' as const, parameters: { lr: '0.1,0.01', layers: '2,3' }, mode: 'grid' as const, maxParallel: 2, metric: 'val_loss', metricMode: 'min' as const };
    const first = await runSweep(opts);
    assert.equal(first.status, 'FINISHED');
    assert.equal(first.children.length, 4);
    assert.deepEqual(first.children.map((c) => c.metric), [0.02, 0.03, 0.2, 0.30000000000000004]);
    assert.deepEqual(first.best?.params, { lr: '0.01', layers: '2' });
    const runs = await allRuns(store.client);
    const children = runs.filter((r) => r.data.tags['mlflow.parentRunId'] === first.parentRunId);
    assert.equal(children.length, 4);
    assert.ok(children.every((c) => c.info.status === 'FINISHED'));
    const parent = await store.client.getRun(first.parentRunId);
    assert.equal(parent.info.status, 'FINISHED');
    assert.deepEqual(parent.data.params, { lr: '0.01', layers: '2' });
    assert.equal(parent.data.metrics.val_loss, 0.02);
    assert.equal(parent.data.tags[SWEEP_BEST_RUN_TAG], first.best?.runId);

    const again = await runSweep(opts);
    assert.equal(again.parentRunId, first.parentRunId);
    assert.ok(again.children.every((c) => c.reused));
    assert.equal((await allRuns(store.client)).length, runs.length);
  });

  it('resumes a sweep whose children failed: only those run again', async () => {
    const dir = makeProject({ MLproject: MLPROJECT, 'train.mts': TRAIN }, { linkModules: true });
    const opts = { uri: dir, cwd: process.cwd(), trackingUri: store.uri, stdio: 'ignore' as const, parameters: { lr: '0.5', layers: '1,4' }, mode: 'grid' as const, metric: 'val_loss' };
    process.env.FAIL_LAYERS = '4';
    let first;
    try {
      first = await runSweep(opts);
    } finally {
      delete process.env.FAIL_LAYERS;
    }
    assert.equal(first.status, 'FAILED');
    assert.deepEqual(first.children.map((c) => c.status).sort(), ['FAILED', 'FINISHED']);
    const second = await runSweep(opts);
    assert.equal(second.status, 'FINISHED');
    assert.equal(second.parentRunId, first.parentRunId);
    assert.deepEqual(second.children.map((c) => [c.params.layers, c.reused]).sort(), [['1', true], ['4', false]]);
  });

  it('refuses a bad value in any combination before the parent exists', async () => {
    const fresh = makeStore();
    try {
      const dir = makeProject({ MLproject: MLPROJECT, 'train.mts': TRAIN }, { linkModules: true });
      await assert.rejects(runSweep({ uri: dir, trackingUri: fresh.uri, parameters: { lr: '0.1,fast', layers: '2' }, mode: 'grid' }), /Parameter 'lr' is a float, but got 'fast'/);
      assert.deepEqual(await allRuns(fresh.client), []);
    } finally {
      await fresh.client.close();
    }
  });
});
