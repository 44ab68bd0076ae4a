import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchemaMismatchError } from '@runlog/core';
import { type ModelSignature, type TensorValue } from '../src/index.js';
import { compileEnforcer, isSafeCast, tensorSpec } from '../src/internal.js';

const named: ModelSignature = {
  inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 4], 'x'), tensorSpec('int64', [-1], 'ids')] },
  params: [
    { name: 'temperature', type: 'double', default: 0.5, shape: null },
    { name: 'top_k', type: 'long', default: 3, shape: null },
  ],
};
const unnamed: ModelSignature = { inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 2])] } };
const target = { inputNames: ['x', 'ids'] };

function mismatch(fn: () => unknown, input: string | undefined, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SchemaMismatchError, `expected SchemaMismatchError, got ${String(err)}`);
    assert.equal(err.input, input);
    assert.match(err.message, pattern);
    assert.ok(err.expected !== undefined && err.received !== undefined);
    return true;
  });
}

describe('compileEnforcer: tensor signatures', () => {
  const enforcer = compileEnforcer(named);

  it('converts nested arrays of JS numbers (float64) into float32 and int64 tensors', () => {
    const out = enforcer.enforceInputs({ x: [[0.1, 1, 2, 3]], ids: [7, 8] }, target);
    assert.equal(out.x!.dtype, 'float32');
    assert.deepEqual(out.x!.dims, [1, 4]);
    assert.ok(out.x!.data instanceof Float32Array);
    assert.equal(out.x!.data[0], Math.fround(0.1));
    assert.deepEqual(out.ids, { dtype: 'int64', dims: [2], data: BigInt64Array.from([7n, 8n]) });
  });

  it('applies the safe conversions to typed values: float64 → float32, int32 → int64', () => {
    const x: TensorValue = { dtype: 'float64', dims: [2, 4], data: new Float64Array(8).fill(0.25) };
    const out = enforcer.enforceInputs({ x, ids: Int32Array.from([1, 2, 3]) }, target);
    assert.deepEqual(out.x, { dtype: 'float32', dims: [2, 4], data: new Float32Array(8).fill(0.25) });
    assert.deepEqual(out.ids, { dtype: 'int64', dims: [3], data: BigInt64Array.from([1n, 2n, 3n]) });
  });

  it('shapes a flat typed array by the signature when only the batch dimension is free', () => {
    const out = enforcer.enforceInputs({ x: new Float32Array(8), ids: new BigInt64Array(2) }, target);
    assert.deepEqual(out.x!.dims, [2, 4]);
    mismatch(() => enforcer.enforceInputs({ x: new Float32Array(7), ids: new BigInt64Array(2) }, target), 'x', /does not determine shape/);
  });

  const table: Array<[string, unknown, string | undefined, RegExp]> = [
    ['missing input', { x: [[1, 2, 3, 4]] }, 'ids', /Missing input 'ids'/],
    ['extra input', { x: [[1, 2, 3, 4]], ids: [1], y: [1] }, 'y', /Unexpected input 'y'/],
    ['wrong rank (too low)', { x: [1, 2, 3, 4], ids: [1] }, 'x', /rank-2 .* got rank 1/],
    ['wrong rank (too high)', { x: [[[1, 2, 3, 4]]], ids: [1] }, 'x', /rank-2 .* got rank 3/],
    ['wrong fixed dimension', { x: [[1, 2, 3]], ids: [1] }, 'x', /dimension 1 has size 3 .*expected 4/],
    ['wrong dtype in nested arrays', { x: [['a', 'b', 'c', 'd']], ids: [1] }, 'x', /expected float32 values, got "a"/],
    ['lossy float → int in nested arrays', { x: [[1, 2, 3, 4]], ids: [1.5] }, 'ids', /not an integer.*refused/],
    ['ragged nested arrays', { x: [[1, 2, 3, 4], [1, 2, 3, 4]], ids: [[1], [2, 3]] }, 'ids', /rank-1/],
    ['lossy float → int typed array', { x: [[1, 2, 3, 4]], ids: new Float64Array([1, 2]) }, 'ids', /expected dtype int64, got float64 \(float → int/],
    ['wrong dtype TensorValue (bool)', { x: { dtype: 'bool', dims: [1, 4], data: [true, true, false, false] }, ids: [1] }, 'x', /expected dtype float32, got bool/],
    ['wrong rank TensorValue', { x: { dtype: 'float32', dims: [4], data: new Float32Array(4) }, ids: [1] }, 'x', /rank-2/],
    ['wrong fixed dimension TensorValue', { x: { dtype: 'float32', dims: [1, 5], data: new Float32Array(5) }, ids: [1] }, 'x', /dimension 1 has size 5/],
    ['data length not matching dims', { x: { dtype: 'float32', dims: [2, 4], data: new Float32Array(4) }, ids: [1] }, 'x', /has 4 values for shape \(2, 4\)/],
    ['not a tensor at all', { x: 'hello', ids: [1] }, 'x', /expected nested arrays/],
    ['bare value for a two-input model', [[1, 2, 3, 4]], undefined, /2 inputs \(x, ids\)/],
  ];
  for (const [name, input, inputName, pattern] of table) {
    it(`refuses ${name} with SchemaMismatchError naming the input`, () => {
      mismatch(() => enforcer.enforceInputs(input, target), inputName, pattern);
    });
  }

  it('refuses int64 → int32 (narrowing) but accepts int → float', () => {
    const e = compileEnforcer({ inputs: { kind: 'tensor', inputs: [tensorSpec('int32', [-1], 'a'), tensorSpec('float64', [-1], 'b')] } });
    mismatch(() => e.enforceInputs({ a: new BigInt64Array(1), b: [1] }), 'a', /expected dtype int32, got int64/);
    const out = e.enforceInputs({ a: [1, 2], b: Int32Array.from([5]) });
    assert.deepEqual(out.b, { dtype: 'float64', dims: [1], data: Float64Array.from([5]) });
    mismatch(() => e.enforceInputs({ a: [2 ** 31], b: [1] }), 'a', /out of range for int32/);
  });

  it('has a safe-cast table that refuses lossy and cross-kind casts', () => {
    assert.ok(isSafeCast('float64', 'float32'));
    assert.ok(isSafeCast('int32', 'int64'));
    assert.ok(isSafeCast('uint8', 'int16'));
    assert.ok(isSafeCast('int64', 'float64'));
    assert.ok(!isSafeCast('float32', 'int64'));
    assert.ok(!isSafeCast('int8', 'uint8'));
    assert.ok(!isSafeCast('bool', 'int32'));
    assert.ok(!isSafeCast('str', 'float32'));
  });

  it('accepts a bare nested array for a single unnamed input, keyed by the model input name', () => {
    const e = compileEnforcer(unnamed);
    const out = e.enforceInputs([[1, 2], [3, 4]], { inputNames: ['input_1'] });
    assert.deepEqual(Object.keys(out), ['input_1']);
    assert.deepEqual(out.input_1!.dims, [2, 2]);
    // …or the same value under the model's own input name
    assert.deepEqual(e.enforceInputs({ input_1: [[1, 2]] }, { inputNames: ['input_1'] }).input_1!.dims, [1, 2]);
    mismatch(() => e.enforceInputs({ other: [[1, 2]] }, { inputNames: ['input_1'] }), 'other', /input is unnamed/);
  });

  it('accepts a bare value for a single named input', () => {
    const e = compileEnforcer({ inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 2], 'features')] } });
    assert.deepEqual(Object.keys(e.enforceInputs([[1, 2]])), ['features']);
  });

  it("converts a framework tensor through the flavor's fromFrameworkTensor", () => {
    class FakeTensor {
      constructor(readonly values: number[]) {}
    }
    const e = compileEnforcer(unnamed);
    const out = e.enforceInputs(new FakeTensor([1, 2]), {
      inputNames: ['in'],
      fromFrameworkTensor: (v) => (v instanceof FakeTensor ? { dtype: 'float64', dims: [1, 2], data: Float64Array.from(v.values) } : undefined),
    });
    assert.deepEqual(out.in, { dtype: 'float32', dims: [1, 2], data: Float32Array.from([1, 2]) });
  });
});

describe('compileEnforcer: params', () => {
  const enforcer = compileEnforcer(named);

  it('fills defaults, keeps given values and drops undeclared params', () => {
    assert.deepEqual(enforcer.enforceParams(undefined), { temperature: 0.5, top_k: 3 });
    assert.deepEqual(enforcer.enforceParams({ top_k: 5, unknown: 1 }), { temperature: 0.5, top_k: 5 });
  });

  it('refuses a param of the wrong type, naming it', () => {
    mismatch(() => enforcer.enforceParams({ top_k: 2.5 }), 'top_k', /param 'top_k'/);
    mismatch(() => enforcer.enforceParams({ temperature: 'hot' }), 'temperature', /param 'temperature'/);
  });
});

describe('compileEnforcer: column signatures and no signature', () => {
  it('checks a column signature with ajv and makes 1-D tensors of its scalar columns', () => {
    const e = compileEnforcer({
      inputs: { kind: 'column', inputs: [{ type: 'double', name: 'a', required: true }, { type: 'long', name: 'b', required: false }] },
    });
    assert.deepEqual(e.enforceInputs({ a: [1, 2], b: [3, 4] }).b, { dtype: 'int64', dims: [2], data: BigInt64Array.from([3n, 4n]) });
    assert.deepEqual(e.enforceInputs([{ a: 1 }, { a: 2.5 }]), { a: { dtype: 'float64', dims: [2], data: Float64Array.from([1, 2.5]) } });
    mismatch(() => e.enforceInputs({ b: [1] }), 'a', /Missing column 'a'/);
    mismatch(() => e.enforceInputs({ a: [1], c: [1] }), 'c', /Unexpected column 'c'/);
  });

  it('falls back to the framework model declared inputs when the MLmodel has no signature', () => {
    const e = compileEnforcer(undefined, [tensorSpec('float32', [-1, 2], 'x')]);
    mismatch(() => e.enforceInputs({ x: [[1, 2, 3]] }), 'x', /dimension 1 has size 3/);
  });

  it('refuses ragged nested arrays where the signature leaves dimensions free', () => {
    const e = compileEnforcer({ inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, -1], 'x')] } });
    mismatch(() => e.enforceInputs({ x: [[1, 2], [3]] }), 'x', /ragged nested array/);
    assert.deepEqual(e.enforceInputs({ x: [[1, 2], [3, 4]] }).x!.dims, [2, 2]);
  });

  it('passes inputs through, converted, when there is no schema at all', () => {
    const e = compileEnforcer(undefined);
    assert.deepEqual(e.enforceInputs([[1, 2]], { inputNames: ['in'] }).in, { dtype: 'float64', dims: [1, 2], data: Float64Array.from([1, 2]) });
    mismatch(() => e.enforceInputs({ in: [[1], [2, 3]] }), 'in', /ragged/);
  });
});
