// An ES module user script: autologging is enabled BEFORE TF.js is imported; the fit of a model
// built with the later-imported tf is logged. Run by autolog-modules.test.ts as a child process.
import { tfjsAutologPlugin } from '@runlog/tfjs';

if (!tfjsAutologPlugin.enable({ logModels: false })) throw new Error('tfjs autolog did not enable');
const tf = await import('@tensorflow/tfjs');
tf.env().set('PROD', true);

const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
const xs = tf.tensor2d([[0, 1], [1, 0], [1, 1], [0, 0]]);
const ys = tf.tensor2d([[1], [1], [2], [0]]);
const history = await model.fit(xs, ys, { epochs: 3, verbose: 0 });
console.log(JSON.stringify({ module: 'esm', epochs: history.epoch.length }));
