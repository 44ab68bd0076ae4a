// `runlog serve` of a TF.js model: the scoring server is flavor-agnostic; a LayersModel saved with
// the tfjs flavor answers over HTTP what it predicts in process, batched or not.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadModel, saveModel, serveModel } from 'runlog';

tf.env().set('PROD', true);

const ROWS = [
  [0.5, -0.25, 1, 0],
  [-1, 0.75, 0.1, 0.3],
  [0, 0, 0, 0],
];

describe('serveModel with a TF.js model', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-serve-tfjs-'));
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
        tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }),
      ],
    });
    await saveModel(model, join(dir, 'model'));
    model.dispose();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const batching of [true, false]) {
    it(`answers {"inputs": rows} with the model's own predictions (batching ${batching ? 'on' : 'off'})`, async () => {
      const direct = await loadModel(join(dir, 'model'));
      const expected = await direct.predict(ROWS);
      await direct.dispose();
      const server = await serveModel(join(dir, 'model'), { port: 0, batching: batching ? {} : false });
      try {
        // Concurrent one-row requests, which batching may merge into one model call.
        const replies = await Promise.all(
          ROWS.map((row) =>
            fetch(`${server.url}/invocations`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ inputs: [row] }),
            }).then(async (r) => ({ status: r.status, json: (await r.json()) as { predictions: Record<string, number[][]> } })),
          ),
        );
        const outputName = Object.keys(expected as object)[0]!;
        const want = (expected as Record<string, number[][]>)[outputName]!;
        replies.forEach((r, i) => {
          assert.equal(r.status, 200);
          const got = r.json.predictions[outputName]![0]![0]!;
          assert.ok(Math.abs(got - want[i]![0]!) < 1e-6, `row ${i}: ${got} vs ${want[i]![0]}`);
        });
      } finally {
        await server.close();
      }
    });
  }
});
