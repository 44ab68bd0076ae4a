import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  buildNodeEnv,
  pythonEnvFiles,
  pythonFunctionFlavor,
  resolveInstalledVersion,
  withMlflowRequirement,
} from '../src/internal.js';

// MLflow 3.18's writers (_mlflow_conda_env, _PythonEnv.to_yaml, requirements join) for
// ['mlflow==3.18.0', 'onnx==1.17.0', 'onnxruntime==1.20.1'], python '3.11', and pip/setuptools/wheel
// versions unresolvable (MLflow then writes them unpinned) — generated once with the venv.
const MLFLOW_ENV = {
  conda: "channels:\n- conda-forge\ndependencies:\n- python=3.11\n- pip\n- pip:\n  - mlflow==3.18.0\n  - onnx==1.17.0\n  - onnxruntime==1.20.1\nname: mlflow-env\n",
  pythonEnv: "python: '3.11'\nbuild_dependencies:\n- pip\n- setuptools\n- wheel\ndependencies:\n- -r requirements.txt\n",
  requirements: "mlflow==3.18.0\nonnx==1.17.0\nonnxruntime==1.20.1",
};

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('Python environment files', () => {
  it('writes requirements.txt, python_env.yaml and conda.yaml as MLflow does', () => {
    const files = pythonEnvFiles(['onnx==1.17.0', 'onnxruntime==1.20.1'], '3.11');
    assert.equal(files['requirements.txt'], MLFLOW_ENV.requirements);
    assert.equal(files['python_env.yaml'], MLFLOW_ENV.pythonEnv);
    assert.equal(files['conda.yaml'], MLFLOW_ENV.conda);
  });

  it('puts mlflow==3.18.0 first unless the flavor names mlflow, and drops duplicates', () => {
    assert.deepEqual(withMlflowRequirement(['onnx==1.17.0', 'onnx==1.17.0']), ['mlflow==3.18.0', 'onnx==1.17.0']);
    assert.deepEqual(withMlflowRequirement(['mlflow[extras]>=3.0', 'onnx']), ['mlflow[extras]>=3.0', 'onnx']);
    assert.deepEqual(withMlflowRequirement(['mlflow-skinny==3.18.0']), ['mlflow==3.18.0', 'mlflow-skinny==3.18.0']);
  });

  it('builds the python_function flavor block pyfunc.add_to_model writes', () => {
    assert.deepEqual(pythonFunctionFlavor({ loaderModule: 'mlflow.onnx', data: 'model.onnx' }), {
      loader_module: 'mlflow.onnx',
      python_version: '3.11',
      data: 'model.onnx',
      env: { conda: 'conda.yaml', virtualenv: 'python_env.yaml' },
    });
  });
});

describe('node_env.json', () => {
  it('records node, exact package versions (resolved from node_modules when not exact) and the package-lock hash', async () => {
    const project = await mkdtemp(join(tmpdir(), 'runlog-env-test-'));
    dirs.push(project);
    const nested = join(project, 'app', 'src');
    await mkdir(nested, { recursive: true });
    await mkdir(join(project, 'node_modules', '@scope', 'fw'), { recursive: true });
    await writeFile(join(project, 'node_modules', '@scope', 'fw', 'package.json'), JSON.stringify({ name: '@scope/fw', version: '4.5.6' }));
    const lock = JSON.stringify({ lockfileVersion: 3 });
    await writeFile(join(project, 'package-lock.json'), lock);

    assert.equal(await resolveInstalledVersion('@scope/fw', nested), '4.5.6');
    assert.equal(await resolveInstalledVersion('not-installed-pkg', nested), undefined);

    const env = await buildNodeEnv({ zeta: '1.0.0', '@scope/fw': '^4.0.0', missing: '^2' }, nested);
    assert.equal(env.format, 'runlog.node_env');
    assert.equal(env.format_version, 1);
    assert.equal(env.node, process.versions.node);
    assert.deepEqual(Object.keys(env.packages), ['@runlog/models', '@scope/fw', 'missing', 'zeta']);
    assert.equal(env.packages['@scope/fw'], '4.5.6');
    assert.equal(env.packages.zeta, '1.0.0');
    assert.equal(env.packages.missing, '^2');
    assert.equal(env.package_lock_sha256, createHash('sha256').update(lock).digest('hex'));
  });
});
