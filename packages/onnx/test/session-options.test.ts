import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nodeProvidersFromMlflow, ortSessionOptionsFromMlflow, toMlflowSessionOptions } from '../src/session-options.js';

describe('onnx session options and providers', () => {
  it('writes session options with MLflow keys and reads them back as onnxruntime-node options', () => {
    const mlflow = toMlflowSessionOptions({
      interOpNumThreads: 2,
      intraOpNumThreads: 4,
      executionMode: 'parallel',
      graphOptimizationLevel: 'extended',
      extraSessionConfig: { 'session.use_env_allocators': '1' },
    });
    assert.deepEqual(mlflow, {
      inter_op_num_threads: 2,
      intra_op_num_threads: 4,
      execution_mode: 'parallel',
      graph_optimization_level: 2,
      extra_session_config: { 'session.use_env_allocators': '1' },
    });
    assert.deepEqual(ortSessionOptionsFromMlflow(mlflow), {
      interOpNumThreads: 2,
      intraOpNumThreads: 4,
      executionMode: 'parallel',
      graphOptimizationLevel: 'extended',
      extra: { 'session.use_env_allocators': '1' },
    });
    assert.equal(toMlflowSessionOptions({}), null);
    assert.equal(toMlflowSessionOptions(undefined), null);
  });

  it('reads what Python writes leniently: upper-case modes, zeros and unknown keys skipped', () => {
    assert.deepEqual(
      ortSessionOptionsFromMlflow({ execution_mode: 'SEQUENTIAL', intra_op_num_threads: 0, graph_optimization_level: 99, log_severity_level: 3 }),
      { executionMode: 'sequential', graphOptimizationLevel: 'all' },
    );
    assert.deepEqual(ortSessionOptionsFromMlflow(null), {});
    assert.deepEqual(ortSessionOptionsFromMlflow('junk'), {});
  });

  it('maps MLflow provider names to the available onnxruntime-node backends, CPU as the fallback', () => {
    const available = new Set(['cpu', 'webgpu']);
    assert.deepEqual(nodeProvidersFromMlflow(['CUDAExecutionProvider', 'CPUExecutionProvider'], available), ['cpu']);
    assert.deepEqual(nodeProvidersFromMlflow(['WebGpuExecutionProvider', 'CPUExecutionProvider'], available), ['webgpu', 'cpu']);
    assert.deepEqual(nodeProvidersFromMlflow([['CPUExecutionProvider', { arena_extend_strategy: 'x' }]], available), ['cpu']);
    assert.deepEqual(nodeProvidersFromMlflow('CPUExecutionProvider', available), ['cpu']);
    assert.deepEqual(nodeProvidersFromMlflow(null, available), ['cpu']);
    assert.deepEqual(nodeProvidersFromMlflow(['NoSuchProvider'], available), ['cpu']);
  });
});
