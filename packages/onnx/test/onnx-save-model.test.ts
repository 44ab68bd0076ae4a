import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getFlavor, loadModel, readMLmodel, saveModel } from '@runlog/models';
import * as ort from 'onnxruntime-node';
import { loadOnnxSession, onnxFlavor } from '../src/index.js';
import { INT64, LINEAR, TWO_INPUT, assertClose, linearReference, tempDir } from './support/fixtures.js';

/** The `flavors:` block of the MLmodel MLflow 3.18's mlflow.onnx.save_model writes (CPU provider, python 3.11.7). */
const PYTHON_FLAVORS_BLOCK = `flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_session_options: null
    onnx_version: 1.23.2
    providers:
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: 3.11.7
`;

describe('onnx flavor through saveModel / loadModel', () => {
  it('registers itself when @runlog/onnx is imported', () => {
    assert.equal(getFlavor('onnx'), onnxFlavor);
  });

  it("writes the MLmodel flavors block byte for byte as MLflow's onnx flavor does, and the environment files", async () => {
    const dir = join(await tempDir(), 'model');
    await saveModel(LINEAR, dir, { pythonVersion: '3.11.7' });
    const text = await readFile(join(dir, 'MLmodel'), 'utf8');
    const block = text.slice(text.indexOf('flavors:\n'), text.indexOf('\n', text.indexOf('python_version:')) + 1);
    assert.equal(block, PYTHON_FLAVORS_BLOCK);
    assert.deepEqual((await readMLmodel(dir)).signature, {
      inputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: 'x', tensorSpec: { dtype: 'float32', shape: [-1, 4] } }] },
      outputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: 'y', tensorSpec: { dtype: 'float32', shape: [-1, 3] } }] },
    });
    const files = await readdir(dir);
    for (const f of ['MLmodel', 'model.onnx', 'requirements.txt', 'python_env.yaml', 'conda.yaml']) assert.ok(files.includes(f), f);
    const reqs = (await readFile(join(dir, 'requirements.txt'), 'utf8')).split('\n');
    assert.ok(reqs.includes('onnx==1.23.2') && reqs.includes('onnxruntime==1.30.0') && reqs.includes('mlflow==3.18.0'), reqs.join(','));
  });

  it('loads it back and predicts what a bare InferenceSession.run predicts', async () => {
    const dir = join(await tempDir(), 'model');
    await saveModel(await loadOnnxSession(LINEAR), dir);
    const model = await loadModel(dir);
    const x = [
      [1, 2, 3, 4],
      [-1, 0.5, 0.25, 8],
    ];
    const out = await model.predict(x);
    const bare = await ort.InferenceSession.create(LINEAR);
    const expected = (await bare.run({ x: new ort.Tensor('float32', Float32Array.from(x.flat()), [2, 4]) })).y!;
    assert.deepEqual((out.y as number[][]).flat(), [...(expected.data as Float32Array)]);
    assertClose((out.y as number[][]).flat(), linearReference(Float32Array.from(x.flat())));
    assert.equal(model.flavor, 'onnx');
    assert.ok(model.raw && typeof (model.raw as { run?: unknown }).run === 'function');
    await bare.release();
    await model.dispose();
  });

  it('predicts multi-input and int64 models from MLflow-style named inputs', async () => {
    const two = join(await tempDir(), 'two');
    await saveModel(TWO_INPUT, two);
    const m2 = await loadModel(two);
    assert.deepEqual(await m2.predict({ a: [[1, 2, 3]], b: [[4, 5, 6]] }), { sum: [[5, 7, 9]], prod: [[4, 10, 18]] });
    await m2.dispose();

    const int = join(await tempDir(), 'int');
    await saveModel(INT64, int);
    const m3 = await loadModel(int);
    assert.deepEqual(await m3.predict({ ids: [[1, 2], [3, -4]] }), { doubled: [[2, 4], [6, -8]], as_double: [[1, 2], [3, -4]] });
    // Exact beyond 2^53 when given as BigInt64Array (predict() would round to JS numbers).
    const big = 2n ** 60n + 3n;
    const tensors = await m3.predictTensors({ ids: { dtype: 'int64', dims: [1, 2], data: BigInt64Array.from([big, 1n]) } });
    assert.deepEqual([...(tensors.doubled!.data as BigInt64Array)], [2n * big, 2n]);
    await m3.dispose();
  });
});
