// A CommonJS user script: TF.js is required BEFORE autologging is enabled, and runlog is required
// too (Node >= 20.19 requires ES modules; older Node 20 falls back to import()). It runs against the
// built dist. Run by autolog-modules.test.ts as a child process.
'use strict';
const tf = require('@tensorflow/tfjs');

async function loadRunlogTfjs() {
  try {
    return require('@runlog/tfjs');
  } catch (err) {
    if (err.code !== 'ERR_REQUIRE_ESM') throw err;
    return import('@runlog/tfjs');
  }
}

async function main() {
  const { tfjsAutologPlugin } = await loadRunlogTfjs();
  tf.env().set('PROD', true);
  if (!tfjsAutologPlugin.enable({ logModels: false })) throw new Error('tfjs autolog did not enable');
  const input = tf.input({ shape: [2] });
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(input) });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const xs = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]);
  const ys = tf.tensor2d([[1], [1], [2], [0]]);
  const history = await model.fit(xs, ys, { epochs: 2, verbose: 0 });
  console.log(JSON.stringify({ module: 'cjs', epochs: history.epoch.length }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
