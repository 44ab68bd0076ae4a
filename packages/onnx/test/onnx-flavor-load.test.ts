import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ModelFormatError, SchemaMismatchError, UnknownFlavorError } from '@runlog/core';
import type { FlavorModel, MLmodel, TensorValue } from '@runlog/models';
import * as ort from 'onnxruntime-node';
import { onnxFlavor, type OnnxLoadFlavorOptions, type OnnxSaveFlavorOptions } from '../src/onnx-flavor.js';
import { setOrtImportForTesting } from '../src/ort-loader.js';
import { BOOL, EXTERNAL, INT64, LINEAR, TWO_INPUT, assertClose, linearReference, tempDir } from './support/fixtures.js';

async function saveAndLoad(
  src: string,
  saveOptions: OnnxSaveFlavorOptions = {},
  loadOptions: OnnxLoadFlavorOptions = {},
): Promise<{ model: FlavorModel; dir: string }> {
  const dir = await tempDir();
  const res = await onnxFlavor.save(src, dir, { flavorOptions: { ...saveOptions } });
  const mlmodel: MLmodel = { flavors: res.flavors, modelUuid: 'test', utcTimeCreated: '2026-11-26 00:00:00.000000' };
  const model = await onnxFlavor.load(dir, mlmodel, { flavorOptions: { ...loadOptions } });
  return { model, dir };
}

const f32 = (dims: number[], values: number[]): TensorValue => ({ dtype: 'float32', dims, data: Float32Array.from(values) });

describe('onnx flavor: load and run', () => {
  afterEach(() => setOrtImportForTesting(undefined));

  it('predicts what a bare InferenceSession.run of the same file predicts', async () => {
    const { model } = await saveAndLoad(LINEAR);
    assert.deepEqual(model.inputNames, ['x']);
    assert.deepEqual(model.outputNames, ['y']);
    assert.deepEqual(model.inputSpecs, [{ type: 'tensor', name: 'x', tensorSpec: { dtype: 'float32', shape: [-1, 4] } }]);
    const x = Float32Array.from([1, 2, 3, 4, -1, 0.5, 0.25, 8]);
    const out = await model.run({ x: { dtype: 'float32', dims: [2, 4], data: x } });

    const bare = await ort.InferenceSession.create(LINEAR);
    const expected = (await bare.run({ x: new ort.Tensor('float32', x, [2, 4]) })).y!;
    assert.equal(out.y!.dtype, 'float32');
    assert.deepEqual(out.y!.dims, [2, 3]);
    assert.deepEqual(out.y!.data, expected.data);
    assertClose(out.y!.data as Float32Array, linearReference(x));
    await bare.release();
    await model.dispose?.();
    await model.dispose?.(); // idempotent
  });

  it('runs a two-input, two-output graph by name', async () => {
    const { model } = await saveAndLoad(TWO_INPUT);
    const out = await model.run({ b: f32([1, 3], [10, 20, 30]), a: f32([1, 3], [1, 2, 3]) });
    assert.deepEqual([...(out.sum!.data as Float32Array)], [11, 22, 33]);
    assert.deepEqual([...(out.prod!.data as Float32Array)], [10, 40, 90]);
  });

  it('passes int64 inputs as BigInt64Array exactly, beyond 2^53', async () => {
    const { model } = await saveAndLoad(INT64);
    const big = 2n ** 60n + 1n;
    const out = await model.run({ ids: { dtype: 'int64', dims: [2, 2], data: BigInt64Array.from([1n, -2n, big, 7n]) } });
    assert.equal(out.doubled!.dtype, 'int64');
    assert.deepEqual([...(out.doubled!.data as BigInt64Array)], [2n, -4n, 2n * big, 14n]);
    assert.equal(out.as_double!.dtype, 'float64');
    assert.deepEqual([...(out.as_double!.data as Float64Array)], [1, -2, Number(big), 7]);
  });

  it('returns bool outputs as booleans', async () => {
    const { model } = await saveAndLoad(BOOL);
    const out = await model.run({ x: f32([3], [-1, 0, 2]) });
    assert.deepEqual(out.positive, { dtype: 'bool', dims: [3], data: [false, false, true] });
  });

  it('casts float64 values for a float32 input, as MLflow does', async () => {
    const { model } = await saveAndLoad(LINEAR);
    const x = [1, 2, 3, 4];
    const out = await model.run({ x: { dtype: 'float64', dims: [1, 4], data: Float64Array.from(x) } });
    assertClose(out.y!.data as Float32Array, linearReference(Float32Array.from(x)));
  });

  it('takes a single value under any name for a single-input model, and names a missing input', async () => {
    const { model } = await saveAndLoad(LINEAR);
    const out = await model.run({ input: f32([1, 4], [0, 0, 0, 0]) });
    assertClose(out.y!.data as Float32Array, [0.1, 0.2, 0.3]);
    const two = (await saveAndLoad(TWO_INPUT)).model;
    await assert.rejects(
      two.run({ a: f32([1, 3], [1, 2, 3]) }),
      (err: unknown) => err instanceof SchemaMismatchError && err.input === 'b',
    );
  });

  it('reports a shape/data mismatch as SchemaMismatchError', async () => {
    const { model } = await saveAndLoad(LINEAR);
    await assert.rejects(model.run({ x: f32([2, 4], [1, 2, 3]) }), SchemaMismatchError);
  });

  it('converts an ort.Tensor the user passes', async () => {
    const { model } = await saveAndLoad(LINEAR);
    const t = new ort.Tensor('int64', BigInt64Array.from([1n, 2n]), [1, 2]);
    assert.deepEqual(model.fromFrameworkTensor?.(t), { dtype: 'int64', dims: [1, 2], data: BigInt64Array.from([1n, 2n]) });
    assert.deepEqual(model.fromFrameworkTensor?.(new ort.Tensor('bool', Uint8Array.from([1, 0]), [2])), {
      dtype: 'bool',
      dims: [2],
      data: [true, false],
    });
    assert.equal(model.fromFrameworkTensor?.([1, 2, 3]), undefined);
  });

  it('loads a model with external data, and one saved with MLflow default providers and session options', async () => {
    const ext = (await saveAndLoad(EXTERNAL)).model;
    const x = Float32Array.from([1, 2, 3, 4]);
    assertClose((await ext.run({ x: { dtype: 'float32', dims: [1, 4], data: x } })).y!.data as Float32Array, linearReference(x));

    // CUDA is not bundled with onnxruntime-node; like Python, runlog falls back to what is available.
    const { model } = await saveAndLoad(LINEAR, {
      providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
      sessionOptions: { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'parallel', graphOptimizationLevel: 1, extraSessionConfig: { 'session.intra_op.allow_spinning': '0' } },
    });
    assertClose((await model.run({ x: { dtype: 'float32', dims: [1, 4], data: x } })).y!.data as Float32Array, linearReference(x));
  });

  it('takes execution providers and session options from flavorOptions', async () => {
    const { model } = await saveAndLoad(LINEAR, {}, { executionProviders: ['cpu'], sessionOptions: { graphOptimizationLevel: 'disabled' } });
    assert.deepEqual(model.outputNames, ['y']);
  });

  it('reports a missing or corrupt model file as ModelFormatError', async () => {
    const dir = await tempDir();
    const res = await onnxFlavor.save(LINEAR, dir, {});
    const mlmodel: MLmodel = { flavors: res.flavors, modelUuid: 'x', utcTimeCreated: '' };
    await rm(join(dir, 'model.onnx'));
    await assert.rejects(onnxFlavor.load(dir, mlmodel, {}), (err: unknown) => err instanceof ModelFormatError && /model\.onnx/.test(err.message));
    await assert.rejects(
      onnxFlavor.load(dir, { ...mlmodel, flavors: { onnx: { ...res.flavors.onnx, data: '../escape.onnx' } } }, {}),
      ModelFormatError,
    );
    await assert.rejects(onnxFlavor.load(dir, { ...mlmodel, flavors: {} }, {}), ModelFormatError);
  });

  it('says how to install onnxruntime-node when it is missing', async () => {
    const dir = await tempDir();
    const res = await onnxFlavor.save(LINEAR, dir, {});
    setOrtImportForTesting(() => Promise.reject(Object.assign(new Error('not found'), { code: 'ERR_MODULE_NOT_FOUND' })));
    await assert.rejects(
      onnxFlavor.load(dir, { flavors: res.flavors, modelUuid: 'x', utcTimeCreated: '' }, {}),
      (err: unknown) => err instanceof UnknownFlavorError && err.code === 'RUNLOG_ERR_UNKNOWN_FLAVOR' && /npm install onnxruntime-node/.test(err.message),
    );
  });
});
