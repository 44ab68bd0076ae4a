/**
 * TF.js autologging: one `autolog()` line, then ordinary TF.js training. Each fit() and
 * fitDataset() gets its own run in ./mlruns (MLflow's layout), tagged `mlflow.autologging=tfjs`,
 * with the fit's params, a metric point per epoch, `model_summary.txt` and the trained model.
 * Run: `npx tsx examples/tfjs-autolog.ts` (with @tensorflow/tfjs or @tensorflow/tfjs-node installed).
 * Point MLFLOW_TRACKING_URI at an MLflow server (http://host:5000) to log there instead.
 */
import * as tf from '@tensorflow/tfjs';
import { autolog, getRun, getTrackingUri, searchRuns, setExperiment, shutdown } from 'runlog';

autolog(); // before the first fit; not awaited: it is in place when it returns

await setExperiment('tfjs-autolog');

// A small regression: y = 3·x1 − 2·x2 + 1, plus a little noise.
const n = 512;
const xs = tf.randomUniform([n, 2], -1, 1, 'float32', 42);
const ys = tf.tidy(() => xs.matMul(tf.tensor2d([[3], [-2]])).add(1).add(tf.randomNormal([n, 1], 0, 0.05, 'float32', 7)));

const model = tf.sequential({
  layers: [tf.layers.dense({ units: 16, activation: 'relu', inputShape: [2] }), tf.layers.dense({ units: 1 })],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError', metrics: ['mae'] });

// 1. fit() on tensors, with a validation split and early stopping: autolog records both.
await model.fit(xs, ys, {
  epochs: 30,
  batchSize: 32,
  validationSplit: 0.2,
  verbose: 0,
  callbacks: [tf.callbacks.earlyStopping({ monitor: 'val_loss', patience: 3 })],
});

// 2. fitDataset() on a tf.data pipeline: training goes on, in a second run.
const dataset = tf.data
  .zip({ xs: tf.data.array(xs.unstack()), ys: tf.data.array(ys.unstack()) })
  .shuffle(n, 'seed')
  .batch(32);
await model.fitDataset(dataset, { epochs: 5, verbose: 0 });

// The runs autolog made, newest first.
const { items } = await searchRuns({
  experimentNames: ['tfjs-autolog'],
  filter: "tags.`mlflow.autologging` = 'tfjs'",
  orderBy: ['attributes.start_time DESC'],
  maxResults: 2,
});
for (const [i, found] of [...items].reverse().entries()) {
  const run = await getRun(found.info.runId);
  const { params, metrics } = run.data;
  console.log(
    `${i === 0 ? 'fit()       ' : 'fitDataset()'} run ${run.info.runId} ${run.info.status}: ` +
      `${params['epochs']} epochs, loss=${metrics['loss']?.toFixed(4)}` +
      (metrics['stopped_epoch'] !== undefined ? `, early stopping at epoch ${metrics['stopped_epoch']}` : ''),
  );
  console.log(`  artifacts: ${run.info.artifactUri}  (model/, model_summary.txt)`);
}
console.log(`tracking store: ${getTrackingUri()}`);
console.log(`browse it with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${getTrackingUri()}`);

tf.dispose([xs, ys]);
model.dispose();
await shutdown();
