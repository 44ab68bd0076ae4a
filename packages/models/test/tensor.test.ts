import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import {
  castTensor,
  dtypeOfTypedArray,
  fromHalfBits,
  nestedToTensor,
  shapeOf,
  tensorToNested,
  toHalfBits,
} from '../src/internal.js';

describe('tensor conversions', () => {
  it('infers the shape of nested arrays and flattens them row-major', () => {
    assert.deepEqual(shapeOf([[1, 2, 3], [4, 5, 6]]), [2, 3]);
    assert.deepEqual(nestedToTensor([[1, 2, 3], [4, 5, 6]], 'int32'), { dtype: 'int32', dims: [2, 3], data: Int32Array.from([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(nestedToTensor([[]]), { dtype: 'float64', dims: [1, 0], data: new Float64Array(0) });
  });

  it('refuses ragged arrays, mixed values and lossy int conversion', () => {
    assert.throws(() => nestedToTensor([[1, 2], [3]]), (e: Error) => e instanceof InvalidArgumentError && /ragged.*input\[1\]/.test(e.message));
    assert.throws(() => nestedToTensor([[1], [[2]]]), /ragged/);
    assert.throws(() => nestedToTensor([1, 'a']), /mixes/);
    assert.throws(() => nestedToTensor([1.5], 'int64'), /not an integer/);
    assert.throws(() => nestedToTensor([300], 'uint8'), /out of range/);
  });

  it('maps typed arrays to dtypes and back to nested arrays (int64 as numbers)', () => {
    assert.equal(dtypeOfTypedArray(new BigInt64Array(1)), 'int64');
    assert.equal(dtypeOfTypedArray(new Uint8Array(1)), 'uint8');
    assert.deepEqual(tensorToNested({ dtype: 'int64', dims: [2, 1], data: BigInt64Array.from([1n, -2n]) }), [[1], [-2]]);
    assert.deepEqual(tensorToNested({ dtype: 'bool', dims: [2], data: [true, false] }), [true, false]);
    assert.equal(tensorToNested({ dtype: 'float32', dims: [], data: Float32Array.from([0.5]) }), 0.5);
  });

  it('casts between dtypes', () => {
    assert.deepEqual(castTensor({ dtype: 'int32', dims: [2], data: Int32Array.from([1, 2]) }, 'int64').data, BigInt64Array.from([1n, 2n]));
    assert.deepEqual(castTensor({ dtype: 'float64', dims: [1], data: Float64Array.from([0.1]) }, 'float32').data, Float32Array.from([0.1]));
  });

  it('encodes float16 as IEEE half bits, rounding to nearest even', () => {
    assert.equal(toHalfBits(1), 0x3c00);
    assert.equal(toHalfBits(-2), 0xc000);
    assert.equal(toHalfBits(65504), 0x7bff);
    assert.equal(toHalfBits(1e6), 0x7c00);
    assert.equal(toHalfBits(2 ** -24), 0x0001);
    assert.equal(toHalfBits(2 ** -14), 0x0400);
    assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00); // halfway, rounds to even
    assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02);
    assert.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))));
    for (const x of [0.5, -3.25, 2 ** -20, 1024]) assert.equal(fromHalfBits(toHalfBits(x)), x);
    const t = nestedToTensor([[1, 0.5]], 'float16');
    assert.deepEqual(t.data, Uint16Array.from([0x3c00, 0x3800]));
    assert.deepEqual(tensorToNested(t), [[1, 0.5]]);
  });
});
