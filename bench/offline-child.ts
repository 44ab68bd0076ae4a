// A training script for offline-server.bench.ts. argv: <trackingUri> <mode>
//   fluent: setExperiment, startRun, 100 points, a param, a text artifact, endRun; no shutdown
//           (runlog's exit hooks close up). Prints `body <ms since epoch>` when its body starts.
//   fit:    a 5-epoch TF.js fit under autolog(); prints `gap <ms>` from the last epoch's end to
//           fit() returning, then exits.
import { createRequire } from 'node:module';
import * as runlog from 'runlog';

const [uri, mode] = process.argv.slice(2);
runlog.setTrackingUri(uri);
runlog.configure({ onError: () => undefined });
process.stdout.write(`body ${Date.now()}\n`);
if (mode === 'fluent') {
  await runlog.setExperiment('offline-bench');
  await runlog.startRun();
  for (let i = 0; i < 100; i++) runlog.logMetric('loss', 1 / (i + 1), { step: i });
  runlog.logParam('lr', 0.01);
  await runlog.logText('notes', 'notes.txt');
  await runlog.endRun();
} else {
  const tf = createRequire(import.meta.url)('@tensorflow/tfjs');
  runlog.autolog({ onnx: { disable: true }, tfjs: { silent: true } });
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  let last = 0;
  await model.fit(tf.tensor2d([[0], [1], [2], [3]]), tf.tensor2d([[1], [3], [5], [7]]), {
    epochs: 5,
    verbose: 0,
    callbacks: { onEpochEnd: async () => void (last = Date.now()) },
  });
  process.stdout.write(`gap ${Date.now() - last}\n`);
}
