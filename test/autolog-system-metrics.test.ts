import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as runlog from 'runlog';

const require = createRequire(import.meta.url);

describe('autolog({ logSystemMetrics })', () => {
  let dir: string;
  const savedInterval = process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-autolog-sysm-'));
    runlog.setTrackingUri(join(dir, 'mlruns'));
    process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = '0.02';
  });
  after(async () => {
    runlog.autolog({ disable: true });
    if (savedInterval === undefined) delete process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL;
    else process.env.MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL = savedInterval;
    await runlog.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs system metrics in the run autolog starts for a fit, and stops when the fit ends', async () => {
    const tf = require('@tensorflow/tfjs');
    runlog.autolog({ logSystemMetrics: true, logModels: false, onnx: { disable: true } });
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const slowEpochs = { onEpochEnd: () => new Promise((r) => setTimeout(r, 80)) };
    await model.fit(tf.tensor2d([[0], [1], [2], [3]]), tf.tensor2d([[1], [3], [5], [7]]), { epochs: 4, verbose: 0, callbacks: slowEpochs });
    const run = runlog.lastActiveRun();
    assert.ok(run);
    const stored = await runlog.getRun(run.runId);
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.data.tags['mlflow.autologging'], 'tfjs');
    const hist = await runlog.getMetricHistory(run.runId, 'system/cpu_utilization_percentage');
    assert.ok(hist.length >= 1, 'system steps logged during the fit');
    assert.deepEqual(hist.map((m) => m.step), hist.map((_, i) => i));
  });
});
