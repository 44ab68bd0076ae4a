// The combinations a sweep runs: a grid in a stable order, a random draw that repeats itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sweepCombinations, sweepSpace } from '../src/index.js';

describe('sweep combinations', () => {
  it('splits -P lists at commas (one value: fixed) and makes the grid, first parameter slowest', () => {
    const space = sweepSpace({ lr: '0.1,0.01', layers: '2,3', epochs: '5' });
    assert.deepEqual(space, { lr: ['0.1', '0.01'], layers: ['2', '3'], epochs: ['5'] });
    assert.deepEqual(sweepCombinations(space, 'grid', { seed: 1 }), [
      { lr: '0.1', layers: '2', epochs: '5' },
      { lr: '0.1', layers: '3', epochs: '5' },
      { lr: '0.01', layers: '2', epochs: '5' },
      { lr: '0.01', layers: '3', epochs: '5' },
    ]);
    assert.equal(sweepCombinations(space, 'grid', { seed: 1, trials: 3 }).length, 3);
  });

  it('draws distinct random combinations, the same ones for the same seed, at most as many as exist', () => {
    const space = sweepSpace({ a: '1,2,3,4,5', b: 'x,y,z' });
    const one = sweepCombinations(space, 'random', { seed: 42, trials: 6 });
    assert.equal(one.length, 6);
    assert.equal(new Set(one.map((c) => JSON.stringify(c))).size, 6);
    assert.deepEqual(sweepCombinations(space, 'random', { seed: 42, trials: 6 }), one);
    assert.equal(sweepCombinations(space, 'random', { seed: 7, trials: 100 }).length, 15);
  });

  it('refuses an empty value in a list', () => {
    assert.throws(() => sweepSpace({ lr: '0.1,,0.2' }), /an empty value in the sweep list/);
  });
});
