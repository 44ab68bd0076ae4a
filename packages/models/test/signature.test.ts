import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import { inferSignatureFromExample, type ModelSignature } from '../src/index.js';
import { signatureFromDict, signatureToDict, tensorSpec } from '../src/internal.js';

// ModelSignature.to_dict() from MLflow 3.18 for:
//   inputs=Schema([ColSpec('double','a'), ColSpec(Array('long'),'b', required=False),
//                  ColSpec(Object([Property('z','string'), Property('y','boolean', required=False)]),'c')]),
//   params=ParamSchema([ParamSpec('temp','double',1.0), ParamSpec('k','long',3), ParamSpec('flag','boolean',True),
//                       ParamSpec('ls','string',['a','é'],(-1,)), ParamSpec('s','string','x')])
const MLFLOW_COLUMN_SIGNATURE = {
  inputs:
    '[{"type": "double", "name": "a", "required": true}, {"type": "array", "items": {"type": "long"}, "name": "b", "required": false}, {"type": "object", "properties": {"y": {"type": "boolean", "required": false}, "z": {"type": "string", "required": true}}, "name": "c", "required": true}]',
  outputs: null,
  params:
    '[{"name": "temp", "default": 1.0, "shape": null, "type": "double"}, {"name": "k", "default": 3, "shape": null, "type": "long"}, {"name": "flag", "default": true, "shape": null, "type": "boolean"}, {"name": "ls", "default": ["a", "\\u00e9"], "shape": [-1], "type": "string"}, {"name": "s", "default": "x", "shape": null, "type": "string"}]',
};

// infer_signature(...).to_dict()["inputs"] from MLflow 3.18.
const MLFLOW_TENSOR_INPUTS = {
  float32: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}]',
  dict: '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 3]}}, {"name": "b", "type": "tensor", "tensor-spec": {"dtype": "int32", "shape": [-1]}}]',
};

describe('signature JSON', () => {
  it('reads a column signature with params written by MLflow and writes the same strings back', () => {
    const sig = signatureFromDict(MLFLOW_COLUMN_SIGNATURE);
    assert.equal(sig.inputs.kind, 'column');
    assert.deepEqual(sig.inputs.inputs[1], { type: 'array', items: { type: 'long' }, name: 'b', required: false });
    assert.deepEqual(sig.params![0], { name: 'temp', type: 'double', default: 1, shape: null });
    assert.deepEqual(signatureToDict(sig), MLFLOW_COLUMN_SIGNATURE);
  });

  it('writes tensor specs in MLflow key order (name, type, tensor-spec)', () => {
    const sig: ModelSignature = {
      inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 3], 'a'), tensorSpec('int32', [-1], 'b')] },
    };
    assert.deepEqual(signatureToDict(sig), { inputs: MLFLOW_TENSOR_INPUTS.dict, outputs: null, params: null });
    assert.deepEqual(signatureFromDict(signatureToDict(sig)), sig);
  });

  it('accepts "dtype" instead of "type" in param specs, as MLflow does', () => {
    const sig = signatureFromDict({
      inputs: MLFLOW_TENSOR_INPUTS.float32,
      params: '[{"name": "t", "dtype": "float", "default": 0.5, "shape": null}]',
    });
    assert.deepEqual(sig.params, [{ name: 't', type: 'float', default: 0.5, shape: null }]);
  });

  it('refuses schemas MLflow refuses', () => {
    const bad: unknown[] = [
      '[]',
      '[{"name": "a", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]',
      '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]',
      '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}, {"type": "double", "name": "x"}]',
      '[{"type": "tensor", "tensor-spec": {"dtype": "<U10", "shape": [-1]}}]',
      '[{"type": "double", "required": false}]',
      '[{"type": "decimal", "name": "x"}]',
    ];
    for (const inputs of bad) assert.throws(() => signatureFromDict({ inputs }), InvalidArgumentError, String(inputs));
  });
});

describe('inferSignatureFromExample', () => {
  const inputs = (example: unknown) => signatureToDict(inferSignatureFromExample(example)).inputs;

  it('infers like MLflow for typed arrays and TensorValues (dtype kept, batch dimension -1)', () => {
    assert.equal(inputs({ dtype: 'float32', dims: [2, 3], data: new Float32Array(6) }), MLFLOW_TENSOR_INPUTS.float32);
    assert.equal(inputs({ a: { dtype: 'float32', dims: [2, 3], data: new Float32Array(6) }, b: new Int32Array(2) }), MLFLOW_TENSOR_INPUTS.dict);
  });

  it('takes JS numbers as float64, even when they are whole (a JS number is a double)', () => {
    assert.deepEqual(inferSignatureFromExample([[1, 2, 3]]).inputs.inputs, [tensorSpec('float64', [-1, 3])]);
    assert.deepEqual(inferSignatureFromExample({ x: [[0.5], [1]] }).inputs.inputs, [tensorSpec('float64', [-1, 1], 'x')]);
  });

  it('takes booleans as bool, strings as str, bigints as int64', () => {
    assert.equal(inferSignatureFromExample([true, false]).inputs.inputs[0]!.type, 'tensor');
    assert.deepEqual(inferSignatureFromExample([true]).inputs.inputs, [tensorSpec('bool', [-1])]);
    assert.deepEqual(inferSignatureFromExample([['a', 'b']]).inputs.inputs, [tensorSpec('str', [-1, 2])]);
    assert.deepEqual(inferSignatureFromExample({ ids: new BigInt64Array(4) }).inputs.inputs, [tensorSpec('int64', [-1], 'ids')]);
  });

  it('refuses ragged, mixed and non-tensor examples', () => {
    for (const ex of [[[1, 2], [3]], [1, 'a'], 'text', 3, {}, null]) assert.throws(() => inferSignatureFromExample(ex), InvalidArgumentError);
  });
});
