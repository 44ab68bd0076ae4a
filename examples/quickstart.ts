/**
 * Quickstart: train a tiny linear regression with plain gradient descent and track it with runlog
 * into the embedded default store (./mlruns, MLflow's own layout). Run: `npm run demo`.
 * Point MLFLOW_TRACKING_URI at an MLflow server (http://host:5000) to log there instead.
 */
import * as runlog from 'runlog';

// Synthetic data: y = 3x - 2 + noise.
const xs = Array.from({ length: 256 }, (_, i) => i / 64 - 2);
const ys = xs.map((x, i) => 3 * x - 2 + Math.sin(i * 12.9898) * 0.1);

const params = { learning_rate: 0.05, epochs: 200, model: 'linear' };

await runlog.setExperiment('quickstart');
const run = await runlog.startRun({ runName: 'linear-regression' });
runlog.logParams(params);

let w = 0;
let b = 0;
for (let epoch = 0; epoch < params.epochs; epoch++) {
  let gw = 0;
  let gb = 0;
  let loss = 0;
  for (let i = 0; i < xs.length; i++) {
    const err = w * xs[i]! + b - ys[i]!;
    loss += err * err;
    gw += 2 * err * xs[i]!;
    gb += 2 * err;
  }
  w -= (params.learning_rate * gw) / xs.length;
  b -= (params.learning_rate * gb) / xs.length;
  runlog.logMetrics({ loss: loss / xs.length, w, b }, { step: epoch });
}

await runlog.logDict({ w, b }, 'model/weights.json');
runlog.setTag('converged', Math.abs(w - 3) < 0.05 ? 'yes' : 'no');
await runlog.endRun();

const stored = await runlog.getRun(run.runId);
console.log(`run ${run.runId} finished: w=${w.toFixed(3)} b=${b.toFixed(3)} loss=${stored.data.metrics.loss?.toExponential(3)}`);
console.log(`tracking store: ${runlog.getTrackingUri()}`);
console.log(`run directory:  ${runlog.getTrackingUri().replace(/^file:\/\//, '')}/${run.info.experimentId}/${run.runId}`);
console.log('browse it with: MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns');
await runlog.shutdown();
