import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { earlyStoppingParams, fitArgParams, pyFloatStr, pyStr, snakeCase } from '../src/fit-params.js';
import { tf } from './fixtures.js';

describe('tfjs autolog params', () => {
  it('stringifies values as MLflow\'s str() does: None, True/False, ints, Python float repr, JSON for lists and objects', () => {
    assert.equal(pyStr(null), 'None');
    assert.equal(pyStr(undefined), 'None');
    assert.equal(pyStr(true), 'True');
    assert.equal(pyStr(false), 'False');
    assert.equal(pyStr(32), '32');
    assert.equal(pyStr(0.2), '0.2');
    assert.equal(pyStr(1e-7), '1e-07');
    assert.equal(pyStr(NaN), 'nan');
    assert.equal(pyStr('batch'), 'batch');
    assert.equal(pyStr({ 0: 1, 1: 5 }), '{"0":1,"1":5}');
    assert.equal(pyStr(['acc', 'mse']), '["acc","mse"]');
    assert.equal(pyStr(function meanAbsoluteError() {}), 'meanAbsoluteError');
    assert.equal(pyFloatStr(0), '0.0');
    assert.equal(pyFloatStr(1), '1.0');
  });

  it('names optimizer config keys as Keras does', () => {
    assert.equal(snakeCase('learningRate'), 'learning_rate');
    assert.equal(snakeCase('beta1'), 'beta_1');
    assert.equal(snakeCase('initialAccumulatorValue'), 'initial_accumulator_value');
    assert.equal(snakeCase('epsilon'), 'epsilon');
    const config = tf.train.adam(0.01).getConfig();
    assert.deepEqual(Object.keys(config).map(snakeCase).sort(), ['beta_1', 'beta_2', 'epsilon', 'learning_rate']);
  });

  it('fills TF.js\'s fit defaults, as MLflow logs defaults', () => {
    assert.deepEqual(fitArgParams('fit', undefined), {
      epochs: '1',
      batch_size: '32',
      validation_split: '0.0',
      shuffle: 'True',
      class_weight: 'None',
      initial_epoch: '0',
      steps_per_epoch: 'None',
      validation_steps: 'None',
    });
    assert.deepEqual(fitArgParams('fit', { epochs: 5, shuffle: false, classWeight: { 0: 1, 1: 3.5 }, validationSplit: 0.1 }), {
      epochs: '5',
      batch_size: '32',
      validation_split: '0.1',
      shuffle: 'False',
      class_weight: '{"0":1,"1":3.5}',
      initial_epoch: '0',
      steps_per_epoch: 'None',
      validation_steps: 'None',
    });
    assert.deepEqual(fitArgParams('fitDataset', { epochs: 4, batchesPerEpoch: 10, validationBatches: 2 }), {
      epochs: '4',
      batches_per_epoch: '10',
      initial_epoch: '0',
      validation_steps: '2',
      validation_batch_size: 'None',
      class_weight: 'None',
    });
  });

  it('reports EarlyStopping\'s min_delta as given, though TF.js stores it negated in min mode', () => {
    const es = tf.callbacks.earlyStopping({ monitor: 'val_loss', minDelta: 0.01, patience: 3, mode: 'min', baseline: 0.5 });
    assert.deepEqual(earlyStoppingParams(es as never), { monitor: 'val_loss', min_delta: '0.01', patience: '3', baseline: '0.5', mode: 'min' });
  });
});
