import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { InvalidArgumentError, ModelFormatError, UnknownFlavorError } from '@runlog/core';
import { type ModelSignature } from '@runlog/models';
import { DEFAULT_PYTHON_VERSION } from '@runlog/models/internal';
import * as ort from 'onnxruntime-node';
import { onnxFlavor } from '../src/onnx-flavor.js';
import { loadOnnxSession } from '../src/onnx-session.js';
import { setOrtImportForTesting } from '../src/ort-loader.js';
import { BOOL, EXTERNAL, INT64, LINEAR, TWO_INPUT, readFixture, tempDir } from './support/fixtures.js';

const installedOrt = (JSON.parse(await readFile(new URL(import.meta.resolve('onnxruntime-node/package.json')), 'utf8')) as {
  version: string;
}).version;

describe('onnx flavor: save', () => {
  afterEach(() => setOrtImportForTesting(undefined));

  it('writes model.onnx at the model root and the onnx + python_function blocks MLflow writes', async () => {
    const dir = await tempDir();
    const res = await onnxFlavor.save(LINEAR, dir, {});
    assert.deepEqual(await readdir(dir), ['model.onnx']);
    assert.deepEqual(await readFile(join(dir, 'model.onnx')), await readFixture(LINEAR));
    assert.deepEqual(res.flavors, {
      onnx: {
        code: null,
        data: 'model.onnx',
        onnx_session_options: null,
        onnx_version: '1.23.2',
        providers: ['CPUExecutionProvider'],
      },
      python_function: {
        data: 'model.onnx',
        env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
        loader_module: 'mlflow.onnx',
        python_version: DEFAULT_PYTHON_VERSION,
      },
    });
    assert.deepEqual(res.nodePackages, { 'onnxruntime-node': installedOrt });
    assert.deepEqual(res.pythonRequirements, ['mlflow==3.18.0', 'onnx==1.23.2', 'onnxruntime==1.30.0']);
  });

  it('infers one named tensor spec per graph input and output, symbolic dimensions as -1', async () => {
    const sig = (await onnxFlavor.save(LINEAR, await tempDir(), {})).signature;
    assert.deepEqual(sig, {
      inputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: 'x', tensorSpec: { dtype: 'float32', shape: [-1, 4] } }] },
      outputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: 'y', tensorSpec: { dtype: 'float32', shape: [-1, 3] } }] },
    } satisfies ModelSignature);

    const two = (await onnxFlavor.save(TWO_INPUT, await tempDir(), {})).signature!;
    assert.deepEqual(
      two.inputs.inputs.map((s) => [s.name, (s as { tensorSpec: unknown }).tensorSpec]),
      [
        ['a', { dtype: 'float32', shape: [-1, 3] }],
        ['b', { dtype: 'float32', shape: [-1, 3] }],
      ],
    );
    assert.deepEqual(two.outputs!.inputs.map((s) => s.name), ['sum', 'prod']);
  });

  it('maps ONNX element types to numpy dtype names (int64, float64, bool)', async () => {
    const int = (await onnxFlavor.save(INT64, await tempDir(), {})).signature!;
    assert.deepEqual(int.inputs.inputs, [{ type: 'tensor', name: 'ids', tensorSpec: { dtype: 'int64', shape: [-1, 2] } }]);
    assert.deepEqual(
      int.outputs!.inputs.map((s) => (s as { tensorSpec: { dtype: string } }).tensorSpec.dtype),
      ['int64', 'float64'],
    );
    const bool = (await onnxFlavor.save(BOOL, await tempDir(), {})).signature!;
    assert.deepEqual(bool.outputs!.inputs, [{ type: 'tensor', name: 'positive', tensorSpec: { dtype: 'bool', shape: [-1] } }]);
  });

  it('saves model bytes, and a session created by loadOnnxSession from a path or from bytes', async () => {
    const bytes = await readFixture(LINEAR);
    for (const model of [bytes, await loadOnnxSession(LINEAR), await loadOnnxSession(new Uint8Array(bytes))]) {
      const dir = await tempDir();
      const res = await onnxFlavor.save(model, dir, {});
      assert.deepEqual(await readFile(join(dir, 'model.onnx')), bytes);
      assert.equal(res.signature?.inputs.inputs[0]?.name, 'x');
    }
  });

  it('refuses a session runlog did not create, saying what to pass instead', async () => {
    const session = await ort.InferenceSession.create(LINEAR);
    assert.equal(onnxFlavor.accepts(session), true);
    await assert.rejects(
      onnxFlavor.save(session, await tempDir(), {}),
      (err: unknown) => err instanceof InvalidArgumentError && /loadOnnxSession/.test(err.message),
    );
  });

  it('rejects bytes that are not an ONNX model with ModelFormatError and writes nothing', async () => {
    const dir = await tempDir();
    await assert.rejects(
      onnxFlavor.save(new TextEncoder().encode('this is not a model'), dir, {}),
      (err: unknown) => err instanceof ModelFormatError && err.code === 'RUNLOG_ERR_MODEL_FORMAT',
    );
    assert.deepEqual(await readdir(dir), []);
  });

  it('rejects a well-formed protobuf that onnxruntime cannot load with ModelFormatError', async () => {
    // ir_version 8 and an empty graph: passes the wire check, fails in onnxruntime.
    const bytes = Uint8Array.from([0x08, 0x08, 0x3a, 0x00]);
    await assert.rejects(onnxFlavor.save(bytes, await tempDir(), {}), ModelFormatError);
  });

  it('reports a missing .onnx file as InvalidArgumentError', async () => {
    await assert.rejects(onnxFlavor.save('/nonexistent/model.onnx', await tempDir(), {}), InvalidArgumentError);
  });

  it('copies the external-data files a model path references', async () => {
    const dir = await tempDir();
    const res = await onnxFlavor.save(EXTERNAL, dir, {});
    assert.deepEqual((await readdir(dir)).sort(), ['model.onnx', 'onnx-external.weights']);
    assert.equal(res.signature?.outputs?.inputs[0]?.name, 'y');
  });

  it('refuses external-data bytes without externalDataDir, and takes them with it', async () => {
    const bytes = await readFixture(EXTERNAL);
    await assert.rejects(onnxFlavor.save(bytes, await tempDir(), {}), (err: unknown) => err instanceof ModelFormatError && /externalDataDir/.test(err.message));
    const dir = await tempDir();
    await onnxFlavor.save(bytes, dir, { flavorOptions: { externalDataDir: join(EXTERNAL, '..') } });
    assert.deepEqual((await readdir(dir)).sort(), ['model.onnx', 'onnx-external.weights']);
  });

  it('writes configured providers and session options in MLflow form', async () => {
    const res = await onnxFlavor.save(LINEAR, await tempDir(), {
      flavorOptions: {
        providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
        sessionOptions: { intraOpNumThreads: 2, executionMode: 'sequential', graphOptimizationLevel: 'all', extraSessionConfig: { 'session.intra_op.allow_spinning': '0' } },
      },
      pythonVersion: '3.12.4',
    });
    assert.deepEqual(res.flavors.onnx!.providers, ['CUDAExecutionProvider', 'CPUExecutionProvider']);
    assert.deepEqual(res.flavors.onnx!.onnx_session_options, {
      intra_op_num_threads: 2,
      execution_mode: 'sequential',
      graph_optimization_level: 99,
      extra_session_config: { 'session.intra_op.allow_spinning': '0' },
    });
    assert.equal(res.flavors.python_function!.python_version, '3.12.4');
  });

  it('refuses session options MLflow would refuse', async () => {
    for (const sessionOptions of [{ executionMode: 'fast' }, { graphOptimizationLevel: 3 }, { intraOpNumThreads: -1 }, { threads: 2 }]) {
      await assert.rejects(onnxFlavor.save(LINEAR, await tempDir(), { flavorOptions: { sessionOptions } }), InvalidArgumentError, JSON.stringify(sessionOptions));
    }
    await assert.rejects(onnxFlavor.save(LINEAR, await tempDir(), { flavorOptions: { providers: [] } }), InvalidArgumentError);
  });

  it('with a given signature, infers none and does not need onnxruntime-node', async () => {
    const importErr = Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' });
    setOrtImportForTesting(() => Promise.reject(importErr));
    const signature: ModelSignature = {
      inputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: 'x', tensorSpec: { dtype: 'float32', shape: [-1, 4] } }] },
    };
    const res = await onnxFlavor.save(LINEAR, await tempDir(), { signature });
    assert.equal(res.signature, undefined);
    // Without a signature it must infer one, and says what to install.
    await assert.rejects(
      onnxFlavor.save(LINEAR, await tempDir(), {}),
      (err: unknown) => err instanceof UnknownFlavorError && /npm install onnxruntime-node/.test(err.message),
    );
  });

  it('accepts .onnx paths, ONNX bytes and sessions, nothing else', async () => {
    assert.equal(onnxFlavor.accepts('/some/where/model.onnx'), true);
    assert.equal(onnxFlavor.accepts('model.ONNX'), true);
    assert.equal(onnxFlavor.accepts('model.json'), false);
    assert.equal(onnxFlavor.accepts(await readFixture(LINEAR)), true);
    assert.equal(onnxFlavor.accepts(new Uint8Array([1, 2, 3])), false);
    assert.equal(onnxFlavor.accepts({ inputNames: ['x'], outputNames: ['y'] }), false);
    assert.equal(onnxFlavor.accepts({ inputNames: ['x'], outputNames: ['y'], predict() {} }), false);
    assert.equal(onnxFlavor.accepts(await loadOnnxSession(LINEAR)), true);
    assert.equal(onnxFlavor.accepts(null), false);
    assert.equal(onnxFlavor.accepts(42), false);
  });
});
