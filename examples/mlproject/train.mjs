// The Node entry point of examples/mlproject: fits y = w·x + b by gradient descent on data.csv and
// logs with runlog. Started by `runlog run` or `mlflow run`, it finds its run in MLFLOW_RUN_ID
// (and the server in MLFLOW_TRACKING_URI), so startRun() continues that run.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { endRun, logMetric, setTag, startRun } from 'runlog';

const { values } = parseArgs({
  strict: false,
  options: { lr: { type: 'string' }, epochs: { type: 'string' }, optimizer: { type: 'string' }, data: { type: 'string' } },
});
const lr = Number(values.lr ?? 0.1);
const epochs = Number(values.epochs ?? 5);
const rows = readFileSync(values.data ?? 'data.csv', 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(',').map(Number));

await startRun();
setTag('optimizer', values.optimizer ?? 'sgd');
let w = 0;
let b = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  let gw = 0;
  let gb = 0;
  let loss = 0;
  for (const [x, y] of rows) {
    const err = w * x + b - y;
    loss += err * err;
    gw += 2 * err * x;
    gb += 2 * err;
  }
  // A small learning rate keeps the toy stable; the parameter scales it.
  w -= (lr / 10) * (gw / rows.length);
  b -= (lr / 10) * (gb / rows.length);
  logMetric('loss', loss / rows.length, { step: epoch });
}
let valLoss = 0;
for (const [x, y] of rows) valLoss += (w * x + b - y) ** 2;
logMetric('val_loss', valLoss / rows.length);
await endRun();
console.log(`trained: w=${w.toFixed(3)} b=${b.toFixed(3)}`);
