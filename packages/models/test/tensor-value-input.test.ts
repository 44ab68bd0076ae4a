// Issue 10, "Tensor JSON": hand-written TensorValues whose data is plain numbers were converted
// lossily (float16 numbers read as raw bits, 1.5 → 1 for int32, -1 → 255 for uint8, a
// "__proto__" dtype accepted, int64 strings thrown as a non-schema error) and float32 overflowed
// to Infinity. Every such value is now checked for its dtype and refused with SchemaMismatchError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaMismatchError } from '@runlog/core';
import type { ModelSignature, TensorValue } from '../src/index.js';
import { compileEnforcer, fromHalfBits, tensorSpec } from '../src/internal.js';

function enforcerFor(dtype: Parameters<typeof tensorSpec>[0]) {
  const sig: ModelSignature = { inputs: { kind: 'tensor', inputs: [tensorSpec(dtype, [-1, 2], 'x')] } };
  return compileEnforcer(sig);
}

function refused(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SchemaMismatchError, `expected SchemaMismatchError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

const tv = (dtype: string, data: unknown[]): TensorValue => ({ dtype, dims: [1, 2], data } as unknown as TensorValue);

describe('TensorValue inputs with plain-number data (issue 10)', () => {
  it('float16 numbers are numbers, encoded as half bits, not taken as bits', () => {
    const out = enforcerFor('float16').enforceInputs({ x: tv('float16', [1.5, -2]) });
    assert.ok(out.x!.data instanceof Uint16Array);
    assert.deepEqual(Array.from(out.x!.data as Uint16Array, fromHalfBits), [1.5, -2]);
  });

  it('refuses a fraction for int32 and a negative value for uint8', () => {
    refused(() => enforcerFor('int32').enforceInputs({ x: tv('int32', [1.5, 2]) }), /not an integer/);
    refused(() => enforcerFor('uint8').enforceInputs({ x: tv('uint8', [-1, 2]) }), /out of range for uint8/);
  });

  it('refuses dtypes that are not dtypes, such as "__proto__"', () => {
    refused(() => enforcerFor('float32').enforceInputs({ x: tv('__proto__', [1, 2]) }), /unknown dtype "__proto__"/);
    refused(() => compileEnforcer(undefined).enforceInputs({ x: tv('toString', [1, 2]) }, { inputNames: ['x'] }), /unknown dtype/);
  });

  it('refuses int64 values given as strings with a schema error, not a plain error', () => {
    refused(() => enforcerFor('int64').enforceInputs({ x: tv('int64', ['1', '2']) }), /cannot be a int64/);
  });

  it('refuses float32 overflow (1e308) from nested arrays and from float64 tensors', () => {
    refused(() => enforcerFor('float32').enforceInputs({ x: [[1e308, 1]] }), /out of range for float32/);
    const f64: TensorValue = { dtype: 'float64', dims: [1, 2], data: Float64Array.from([1, -1e300]) };
    refused(() => enforcerFor('float32').enforceInputs({ x: f64 }), /out of range for float32/);
    // Infinity is a value of its own, not an overflow.
    const inf: TensorValue = { dtype: 'float64', dims: [1, 2], data: Float64Array.from([Infinity, 1]) };
    assert.equal(enforcerFor('float32').enforceInputs({ x: inf }).x!.data[0], Infinity);
  });

  it('refuses float16 overflow and keeps the largest half value', () => {
    refused(() => enforcerFor('float16').enforceInputs({ x: [[70000, 1]] }), /out of range for float16/);
    const ok = enforcerFor('float16').enforceInputs({ x: [[65504, 1]] });
    assert.equal(fromHalfBits((ok.x!.data as Uint16Array)[0]!), 65504);
  });
});
