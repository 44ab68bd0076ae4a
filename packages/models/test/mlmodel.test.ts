import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ModelFormatError } from '@runlog/core';
import { readMLmodel, writeMLmodel, type MLmodel } from '../src/index.js';
import {
  formatUtcTimeCreated,
  mlmodelFromYaml,
  mlmodelToYaml,
  newModelUuid,
  tensorSpec,
} from '../src/internal.js';

// Written by MLflow 3.18 (Model.save) for the same model: see the test names for what each covers.
const MLFLOW_ND_MLMODEL = `artifact_path: model
flavors:
  onnx:
    code: null
    data: model.onnx
    onnx_session_options: null
    onnx_version: 1.17.0
    providers:
    - CUDAExecutionProvider
    - CPUExecutionProvider
  python_function:
    data: model.onnx
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.onnx
    python_version: '3.11'
is_signature_from_type_hint: false
metadata:
  nested:
    a: null
    b:
    - 1
    - 2.5
    - x
  source: runlog
mlflow_version: 3.18.0
model_id: null
model_size_bytes: 123456
model_uuid: fedcba9876543210fedcba9876543210
prompts: null
run_id: 0123456789abcdef0123456789abcdef
saved_input_example_info:
  artifact_path: input_example.json
  serving_input_path: serving_input_example.json
  type: ndarray
signature:
  inputs: '[{"name": "x", "type": "tensor", "tensor-spec": {"dtype": "float32", "shape":
    [-1, 4]}}]'
  outputs: '[{"name": "probabilities", "type": "tensor", "tensor-spec": {"dtype":
    "float32", "shape": [-1, 3]}}]'
  params: '[{"name": "temperature", "default": 0.5, "shape": null, "type": "double"},
    {"name": "top_k", "default": 3, "shape": null, "type": "long"}]'
type_hint_from_example: false
utc_time_created: '2026-11-26 08:00:00.123456'
`;
const MLFLOW_DICT_MLMODEL = `flavors: {}
mlflow_version: 3.18.0
model_id: null
model_uuid: '00000000000000000000000000000001'
prompts: null
saved_input_example_info:
  artifact_path: input_example.json
  serving_input_path: serving_input_example.json
  type: ndarray
utc_time_created: '2026-01-02 03:04:05'
`;

const ndModel: MLmodel = {
  artifactPath: 'model',
  runId: '0123456789abcdef0123456789abcdef',
  utcTimeCreated: '2026-11-26 08:00:00.123456',
  modelUuid: 'fedcba9876543210fedcba9876543210',
  mlflowVersion: '3.18.0',
  modelSizeBytes: 123456,
  flavors: {
    python_function: {
      loader_module: 'mlflow.onnx',
      python_version: '3.11',
      data: 'model.onnx',
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    },
    onnx: {
      onnx_version: '1.17.0',
      data: 'model.onnx',
      providers: ['CUDAExecutionProvider', 'CPUExecutionProvider'],
      onnx_session_options: null,
      code: null,
    },
  },
  signature: {
    inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 4], 'x')] },
    outputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 3], 'probabilities')] },
    params: [
      { name: 'temperature', type: 'double', default: 0.5, shape: null },
      { name: 'top_k', type: 'long', default: 3, shape: null },
    ],
  },
  savedInputExampleInfo: { artifactPath: 'input_example.json', type: 'ndarray', servingInputPath: 'serving_input_example.json' },
  metadata: { source: 'runlog', nested: { b: [1, 2.5, 'x'], a: null } },
};

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runlog-mlmodel-test-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('MLmodel', () => {
  it('writes byte for byte what MLflow 3.18 writes (signature JSON strings folded at 80 columns, model_id: null, prompts: null)', () => {
    assert.equal(mlmodelToYaml(ndModel), MLFLOW_ND_MLMODEL);
  });

  it('quotes an all-digit model_uuid and writes no fraction for a whole second, as MLflow does', () => {
    const m: MLmodel = {
      flavors: {},
      mlflowVersion: '3.18.0',
      modelUuid: '00000000000000000000000000000001',
      utcTimeCreated: formatUtcTimeCreated(new Date(Date.UTC(2026, 0, 2, 3, 4, 5))),
      savedInputExampleInfo: { artifactPath: 'input_example.json', type: 'ndarray', servingInputPath: 'serving_input_example.json' },
    };
    assert.equal(mlmodelToYaml(m), MLFLOW_DICT_MLMODEL);
  });

  it('reads an MLflow-written MLmodel and writes it back unchanged', () => {
    for (const text of [MLFLOW_ND_MLMODEL, MLFLOW_DICT_MLMODEL]) assert.equal(mlmodelToYaml(mlmodelFromYaml(text)), text);
    const m = mlmodelFromYaml(MLFLOW_ND_MLMODEL);
    assert.equal(m.modelId, null);
    assert.equal(m.runId, '0123456789abcdef0123456789abcdef');
    assert.deepEqual(m.signature, ndModel.signature);
    assert.deepEqual(m.metadata, ndModel.metadata);
    assert.equal((m.flavors.python_function as Record<string, unknown>).python_version, '3.11');
  });

  it('keeps unknown keys (prompts, resources, future keys) through a round trip', () => {
    const text = MLFLOW_DICT_MLMODEL.replace('prompts: null\n', 'prompts:\n- prompts:/greeting/1\n') + 'zz_future:\n  nested:\n  - 1\n  - two\n';
    const m = mlmodelFromYaml(text);
    assert.deepEqual(m.extra, { prompts: ['prompts:/greeting/1'], zz_future: { nested: [1, 'two'] } });
    assert.equal(mlmodelToYaml(m), text);
  });

  it('writes runlog_version as a top-level key and reads it back', () => {
    const text = mlmodelToYaml({ ...ndModel, runlogVersion: '0.1.0' });
    assert.match(text, /\nprompts: null\nrun_id: 0123456789abcdef0123456789abcdef\nrunlog_version: 0\.1\.0\n/);
    assert.equal(mlmodelFromYaml(text).runlogVersion, '0.1.0');
  });

  it('formats utc_time_created like str(datetime.utcnow())', () => {
    assert.equal(formatUtcTimeCreated(new Date(Date.UTC(2026, 10, 26, 8, 0, 0, 123))), '2026-11-26 08:00:00.123000');
    assert.equal(formatUtcTimeCreated(new Date(Date.UTC(2026, 10, 26, 8, 0, 0, 0))), '2026-11-26 08:00:00');
  });

  it('makes 32-hex model uuids', () => {
    assert.match(newModelUuid(), /^[0-9a-f]{32}$/);
  });

  it('writes and reads MLmodel files in a directory', async () => {
    const dir = await tempDir();
    await writeMLmodel(dir, ndModel);
    const back = await readMLmodel(dir);
    assert.equal(mlmodelToYaml(back), MLFLOW_ND_MLMODEL);
  });

  it('refuses a missing MLmodel with ModelFormatError naming the file', async () => {
    const dir = await tempDir();
    await assert.rejects(readMLmodel(dir), (err: Error) => err instanceof ModelFormatError && err.message.includes(join(dir, 'MLmodel')));
  });

  it('refuses corrupt MLmodel files with ModelFormatError naming the file', async () => {
    const cases = [
      'flavors: [unclosed\n',
      '- just\n- a list\n',
      'flavors: 3\n',
      "flavors: {}\nsignature:\n  inputs: '[{\"type\": \"tensor\"'\n",
      "flavors: {}\nsignature:\n  inputs: '[{\"type\": \"tensor\", \"tensor-spec\": {\"dtype\": \"float99\", \"shape\": [-1]}}]'\n",
    ];
    for (const text of cases) {
      const dir = await tempDir();
      await writeFile(join(dir, 'MLmodel'), text);
      await assert.rejects(readMLmodel(dir), (err: Error) => err instanceof ModelFormatError && err.message.includes(join(dir, 'MLmodel')), text);
    }
    const dir = await tempDir();
    await mkdir(join(dir, 'MLmodel'));
    await assert.rejects(readMLmodel(dir), ModelFormatError);
  });
});
