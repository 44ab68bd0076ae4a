import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as runlog from 'runlog';
import { listStaged } from '../packages/core/src/journal/artifact-staging.js';
import { deadPort } from '../packages/core/test/support/dead-port.js';

// Issue 10: fit() under autolog() with a tracking server that does not answer returned ~157 s
// after its last epoch, and its model and model_summary.txt were not logged. Now the run starts
// offline, the model and the summary are staged in the journal, and fit() returns at once.

const require = createRequire(import.meta.url);

describe('autolog() with the tracking server away (issue 10)', () => {
  after(async () => {
    runlog.autolog({ disable: true });
    await runlog.shutdown(1000);
    runlog.setTrackingUri(undefined);
    runlog.configure({});
  });

  it('fit() returns right after its last epoch; the model and model_summary.txt are staged in the journal', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-autolog-offline-'));
    runlog.configure({ journal: { dir: journalDir }, onError: () => undefined });
    runlog.setTrackingUri(`http://127.0.0.1:${await deadPort()}`);
    runlog.autolog({ onnx: { disable: true }, tfjs: { silent: true } });
    const tf = require('@tensorflow/tfjs');
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    let lastEpochEnd = 0;
    const endRunTimeoutMs = 30_000;
    await model.fit(tf.tensor2d([[0], [1], [2], [3]]), tf.tensor2d([[1], [3], [5], [7]]), {
      epochs: 5,
      verbose: 0,
      callbacks: { onEpochEnd: async () => void (lastEpochEnd = Date.now()) },
    });
    const gap = Date.now() - lastEpochEnd;
    // Before the fix the run's end waited out its 30 s deadline (and more); now it does not wait at all.
    assert.ok(gap < endRunTimeoutMs / 10, `fit() returned ${gap} ms after its last epoch`);

    const run = runlog.lastActiveRun()!;
    const session = join(journalDir, readdirSync(journalDir)[0]!);
    const staged = listStaged(session);
    assert.deepEqual(staged.map((e) => [e.runId, e.kind, e.artifactPath]), [
      [run.runId, 'files', ''],
      [run.runId, 'model', 'model'],
    ]);
    assert.match(readFileSync(join(staged[0]!.dir, 'files', 'model_summary.txt'), 'utf8'), /dense/i);
    const mlmodel = readFileSync(join(staged[1]!.dir, 'files', 'MLmodel'), 'utf8');
    assert.match(mlmodel, /^ {2}tfjs:/m);
    assert.match(mlmodel, new RegExp(`^run_id: ${run.runId}$`, 'm'));
    assert.deepEqual(readdirSync(join(staged[1]!.dir, 'files', 'model')).sort(), ['group1-shard1of1.bin', 'model.json']);
  });
});
