import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import { buildInputExample, saveInputExample } from '../src/internal.js';

// Files MLflow 3.18's _Example writes (generated once with the venv, see each test's numpy example).
const MLFLOW = {
  // np.array([[0.1, 1.0, 1e-5, np.nan], [2.5, -3.0, 1e20, 7.0]], dtype=np.float32)
  ndInput: "[[0.10000000149011612, 1.0, 9.999999747378752e-06, null], [2.5, -3.0, 1.0000000200408773e+20, 7.0]]",
  ndServing: "{\n  \"inputs\": [\n    [\n      0.10000000149011612,\n      1.0,\n      9.999999747378752e-06,\n      null\n    ],\n    [\n      2.5,\n      -3.0,\n      1.0000000200408773e+20,\n      7.0\n    ]\n  ]\n}",
  // {'b': np.array([1, 2, 3], dtype=np.int64), 'a': np.array([[True, False]]), 's': np.array(['x', 'é'])}
  dictInput: "{\"b\": [1, 2, 3], \"a\": [[true, false]], \"s\": [\"x\", \"\\u00e9\"]}",
  dictServing: "{\n  \"inputs\": {\n    \"b\": [\n      1,\n      2,\n      3\n    ],\n    \"a\": [\n      [\n        true,\n        false\n      ]\n    ],\n    \"s\": [\n      \"x\",\n      \"\\u00e9\"\n    ]\n  }\n}",
  // (np.array([[1.0, 2.0]]), {'temperature': 0.5, 'k': 2})
  paramsInput: '{"inputs": [[1.0, 2.0]], "params": {"temperature": 0.5, "k": 2}}',
  paramsServing: '{\n  "inputs": [\n    [\n      1.0,\n      2.0\n    ]\n  ],\n  "params": {\n    "temperature": 0.5,\n    "k": 2\n  }\n}',
  // {'question': 'hi', 'n': 3}
  jsonInput: '{"question": "hi", "n": 3}',
  jsonServing: '{\n  "inputs": {\n    "question": "hi",\n    "n": 3\n  }\n}',
};
const INFO = { artifactPath: 'input_example.json', servingInputPath: 'serving_input_example.json' };

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('input examples', () => {
  it('writes a float32 tensor as MLflow writes an ndarray (Python float reprs, NaN → null)', () => {
    const built = buildInputExample({ dtype: 'float32', dims: [2, 4], data: Float32Array.from([0.1, 1, 1e-5, NaN, 2.5, -3, 1e20, 7]) });
    assert.equal(built.inputExample, MLFLOW.ndInput);
    assert.equal(built.servingInput, MLFLOW.ndServing);
    assert.deepEqual(built.info, { ...INFO, type: 'ndarray' });
  });

  it('writes an object of tensors as MLflow writes a dict of ndarrays (key order kept)', () => {
    const built = buildInputExample({
      b: BigInt64Array.from([1n, 2n, 3n]),
      a: { dtype: 'bool', dims: [1, 2], data: [true, false] },
      s: { dtype: 'str', dims: [2], data: ['x', 'é'] },
    });
    assert.equal(built.inputExample, MLFLOW.dictInput);
    assert.equal(built.servingInput, MLFLOW.dictServing);
    assert.equal(built.info.type, 'ndarray');
  });

  it('writes nested JS numbers as float64 ndarrays, with params as MLflow does', () => {
    const built = buildInputExample([[1, 2]], { temperature: 0.5, k: 2 });
    assert.equal(built.inputExample, MLFLOW.paramsInput);
    assert.equal(built.servingInput, MLFLOW.paramsServing);
    assert.deepEqual(built.info, { ...INFO, type: 'ndarray', params: 'true' });
  });

  it('writes other JSON values as json_object', () => {
    const built = buildInputExample({ question: 'hi', n: 3 });
    assert.equal(built.inputExample, MLFLOW.jsonInput);
    assert.equal(built.servingInput, MLFLOW.jsonServing);
    assert.equal(built.info.type, 'json_object');
  });

  it('refuses values that are not JSON', () => {
    assert.throws(() => buildInputExample({ f: () => 1 }), InvalidArgumentError);
    assert.throws(() => buildInputExample([[1, 2]], [1] as unknown as Record<string, unknown>), InvalidArgumentError);
  });

  it('saves both files into the model directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runlog-example-test-'));
    dirs.push(dir);
    const info = await saveInputExample(dir, { dtype: 'float32', dims: [2, 4], data: Float32Array.from([0.1, 1, 1e-5, NaN, 2.5, -3, 1e20, 7]) });
    assert.equal(await readFile(join(dir, 'input_example.json'), 'utf8'), MLFLOW.ndInput);
    assert.equal(await readFile(join(dir, 'serving_input_example.json'), 'utf8'), MLFLOW.ndServing);
    assert.equal(info.type, 'ndarray');
  });
});
