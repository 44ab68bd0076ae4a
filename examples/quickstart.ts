/**
 * Quickstart (`npm run demo`): train a small TF.js regression with autolog() and nothing else
 * tracking-related, into the embedded default store (./mlruns, MLflow's own layout). autolog()
 * starts a run for the fit, logs its params, per-epoch metrics, a model summary and the trained
 * model, and ends the run. Set MLFLOW_TRACKING_URI=http://host:5000 to log to an MLflow server.
 */
import { autolog, getTrackingUri, lastActiveRun, loadModel, getRun, shutdown } from 'runlog';
import * as tf from '@tensorflow/tfjs';

autolog();

// y = 3·x1 − 2·x2 + 1, with a little deterministic noise.
const rows = 512;
const x = Array.from({ length: rows }, (_, i) => [Math.sin(i * 0.37), Math.cos(i * 0.11)]);
const y = x.map(([a, b], i) => [3 * a! - 2 * b! + 1 + Math.sin(i * 12.9898) * 0.05]);

const model = tf.sequential({
  layers: [tf.layers.dense({ inputShape: [2], units: 8, activation: 'relu' }), tf.layers.dense({ units: 1 })],
});
model.compile({ optimizer: tf.train.adam(0.05), loss: 'meanSquaredError', metrics: ['mse'] });
await model.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 40, batchSize: 64, validationSplit: 0.2, verbose: 0 });

const run = lastActiveRun();
if (!run) throw new Error('autolog did not start a run');
const stored = await getRun(run.runId);
const { loss, val_loss: valLoss } = stored.data.metrics;
console.log(`run ${run.runId} (${stored.info.status}): loss=${loss?.toExponential(3)} val_loss=${valLoss?.toExponential(3)}`);
console.log(`params: ${Object.keys(stored.data.params).length} logged (epochs=${stored.data.params.epochs}, optimizer=${stored.data.params.optimizer_name})`);
const reloaded = await loadModel(`runs:/${run.runId}/model`);
console.log(`reloaded model predicts ${JSON.stringify((await reloaded.predict([[0.5, 0.5]])))} for [0.5, 0.5] (expected ≈ 1.5)`);
await reloaded.dispose();
console.log(`tracking store: ${getTrackingUri()}`);
console.log(`run directory:  ${getTrackingUri().replace(/^file:\/\//, '')}/${stored.info.experimentId}/${run.runId}`);
console.log('browse it with: npx runlog ui   (or, with Python: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns)');
await shutdown();
