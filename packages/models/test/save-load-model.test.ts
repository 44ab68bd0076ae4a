import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { InvalidArgumentError, InvalidModelUriError, ModelFormatError, NotFoundError, SchemaMismatchError, UnknownFlavorError } from '@runlog/core';
import {
  loadModel,
  readMLmodel,
  registerFlavor,
  saveModel,
  type ModelSignature,
} from '../src/index.js';
import { tensorSpec } from '../src/internal.js';
import { EchoModel, echoFlavor } from './support/echo-flavor.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'runlog-save-load-test-'));
  dirs.push(d);
  return d;
}
const unregister: Array<() => void> = [];
function installEcho(opts?: Parameters<typeof echoFlavor>[0]): ReturnType<typeof echoFlavor> {
  const f = echoFlavor(opts);
  unregister.push(registerFlavor(f));
  return f;
}
/** Undoes the flavor registrations of the test that just ran (a hook of each describe, not of the file). */
function unregisterFlavors(): void {
  for (const u of unregister.splice(0)) u();
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const signature: ModelSignature = {
  inputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 2], 'x')] },
  outputs: { kind: 'tensor', inputs: [tensorSpec('float32', [-1, 2], 'out_x')] },
  params: [{ name: 'scale', type: 'double', default: 1, shape: null }],
};
const clock = () => new Date(Date.UTC(2026, 10, 26, 8, 0, 0, 250));

describe('saveModel', () => {
  afterEach(unregisterFlavors);

  it('writes the flavor files, input example, MLmodel and node_env.json; size counts what MLflow counts', async () => {
    installEcho();
    const dir = join(await tempDir(), 'model');
    const m = await saveModel(new EchoModel(['x'], signature), dir, { inputExample: { x: [[1, 2]] }, metadata: { team: 'ml' }, now: clock });
    assert.deepEqual((await readdir(dir)).sort(), ['MLmodel', 'echo.json', 'input_example.json', 'node_env.json', 'serving_input_example.json']);
    const sizes = await Promise.all(['echo.json', 'input_example.json', 'serving_input_example.json'].map(async (f) => (await stat(join(dir, f))).size));
    assert.equal(m.modelSizeBytes, sizes.reduce((a, b) => a + b));
    assert.equal(m.mlflowVersion, '3.18.0');
    assert.match(m.modelUuid, /^[0-9a-f]{32}$/);
    assert.equal(m.utcTimeCreated, '2026-11-26 08:00:00.250000');
    assert.match(m.runlogVersion!, /^\d+\.\d+\.\d+/);
    assert.deepEqual(m.flavors, { echo: { data: 'echo.json', echo_version: '1.0.0' } });
    assert.deepEqual(m.signature, signature);
    assert.deepEqual(await readMLmodel(dir), m);
    const text = await readFile(join(dir, 'MLmodel'), 'utf8');
    assert.match(text, /^model_id: null$/m);
    assert.match(text, /^prompts: null$/m);
    assert.match(text, /^metadata:\n {2}team: ml$/m);
    const env = JSON.parse(await readFile(join(dir, 'node_env.json'), 'utf8')) as { packages: Record<string, string> };
    assert.equal(env.packages['echo-framework'], '1.2.3');
  });

  it('passes the Python version to the flavor and writes the Python env files when the flavor has pip requirements', async () => {
    const f = installEcho({ pythonRequirements: ['onnx==1.17.0'] });
    const dir = await tempDir(); // an existing empty directory is fine
    await saveModel(new EchoModel(), dir, { pythonVersion: '3.12' });
    assert.equal(f.saves[0]!.pythonVersion, '3.12');
    assert.equal(await readFile(join(dir, 'requirements.txt'), 'utf8'), 'mlflow==3.18.0\nonnx==1.17.0');
    assert.match(await readFile(join(dir, 'python_env.yaml'), 'utf8'), /^python: '3\.12'$/m);
    assert.match(await readFile(join(dir, 'conda.yaml'), 'utf8'), /^- python=3\.12$/m);
  });

  it('takes the signature from the user, else the flavor, else the input example', async () => {
    installEcho();
    const flavorSig: ModelSignature = { inputs: { kind: 'tensor', inputs: [tensorSpec('int32', [-1], 'x')] } };
    const base = await tempDir();
    const a = await saveModel(new EchoModel(['x'], flavorSig), join(base, 'a'), { signature });
    assert.deepEqual(a.signature, signature);
    const b = await saveModel(new EchoModel(['x'], flavorSig), join(base, 'b'), { inputExample: { x: [[1, 2]] } });
    assert.deepEqual(b.signature, flavorSig);
    const c = await saveModel(new EchoModel(), join(base, 'c'), { inputExample: { x: [[1, 2]] } });
    assert.deepEqual(c.signature!.inputs.inputs, [tensorSpec('float64', [-1, 2], 'x')]);
    const d = await saveModel(new EchoModel(), join(base, 'd'));
    assert.equal(d.signature, undefined);
  });

  it('refuses a path that exists and is not empty', async () => {
    installEcho();
    const dir = await tempDir();
    await writeFile(join(dir, 'something'), 'x');
    await assert.rejects(saveModel(new EchoModel(), dir), InvalidArgumentError);
    await assert.rejects(saveModel(new EchoModel(), join(dir, 'something')), InvalidArgumentError);
  });

  it('removes what it wrote when the flavor fails', async () => {
    installEcho({ failSave: true });
    const dir = join(await tempDir(), 'model');
    await assert.rejects(saveModel(new EchoModel(), dir), /framework failed to save/);
    await assert.rejects(stat(dir), { code: 'ENOENT' });
  });

  it('refuses a model no installed flavor accepts, and an unknown flavor name, with UnknownFlavorError', async () => {
    installEcho();
    const dir = await tempDir();
    await assert.rejects(saveModel({ some: 'object' }, join(dir, 'a')), (err: Error) => err instanceof UnknownFlavorError && /Installed flavors: echo/.test(err.message));
    await assert.rejects(saveModel(new EchoModel(), join(dir, 'b'), { flavor: 'pytorch' }), UnknownFlavorError);
    // a Flavor object needs no registration
    const unregistered = echoFlavor({ name: 'private' });
    assert.deepEqual(Object.keys((await saveModel(new EchoModel(), join(dir, 'c'), { flavor: unregistered })).flavors), ['private']);
  });
});

describe('loadModel', () => {
  afterEach(unregisterFlavors);

  async function saved(sig: ModelSignature | undefined = signature): Promise<string> {
    const dir = join(await tempDir(), 'model');
    await saveModel(new EchoModel(['x'], sig), dir);
    return dir;
  }

  it('loads a saved model and predicts through the signature: nested arrays in, nested arrays out', async () => {
    const f = installEcho();
    const model = await loadModel(await saved());
    assert.equal(model.flavor, 'echo');
    assert.deepEqual(model.signature, signature);
    assert.deepEqual(await model.predict({ x: [[1, 2.5]] }, { scale: 2 }), { out_x: [[1, 2.5]] });
    assert.deepEqual(f.calls[0]!.inputs.x, { dtype: 'float32', dims: [1, 2], data: Float32Array.from([1, 2.5]) });
    assert.deepEqual(f.calls[0]!.params, { scale: 2 });
    const tensors = await model.predictTensors([[3, 4]]);
    assert.ok(tensors.out_x!.data instanceof Float32Array);
    assert.deepEqual(f.calls[1]!.params, { scale: 1 });
    await assert.rejects(model.predict({ x: [[1, 2, 3]] }), (err: Error) => err instanceof SchemaMismatchError && err.input === 'x');
    await model.dispose();
    await model.dispose();
    assert.equal(f.disposed, 1);
    await assert.rejects(model.predict([[1, 2]]), InvalidArgumentError);
  });

  it('loads file: URIs', async () => {
    installEcho();
    const dir = await saved();
    const model = await loadModel(`file://${dir}`);
    assert.equal(model.path, dir);
    await model.dispose();
  });

  it('prefers an explicit flavor, else the first registered flavor present in the MLmodel', async () => {
    installEcho();
    const dir = await saved();
    const mlmodel = await readFile(join(dir, 'MLmodel'), 'utf8');
    await writeFile(join(dir, 'MLmodel'), mlmodel.replace('flavors:\n', 'flavors:\n  echo2:\n    data: echo.json\n'));
    installEcho({ name: 'echo2' });
    assert.equal((await loadModel(dir)).flavor, 'echo');
    assert.equal((await loadModel(dir, { flavor: 'echo2' })).flavor, 'echo2');
  });

  it("refuses a model none of whose flavors is installed, listing the model's and the installed flavors", async () => {
    installEcho();
    const dir = await saved();
    unregister.splice(0).forEach((u) => u());
    installEcho({ name: 'other' });
    await assert.rejects(
      loadModel(dir),
      (err: Error) => err instanceof UnknownFlavorError && /Model flavors: echo/.test(err.message) && /installed flavors: .*other/.test(err.message),
    );
    await assert.rejects(loadModel(dir, { flavor: 'nope' }), UnknownFlavorError);
  });

  it('refuses a model whose model file is missing with ModelFormatError naming it', async () => {
    installEcho();
    const dir = await saved();
    await unlink(join(dir, 'echo.json'));
    await assert.rejects(loadModel(dir), (err: Error) => err instanceof ModelFormatError && err.message.includes(join(dir, 'echo.json')));
  });

  it('refuses a directory without MLmodel (ModelFormatError), a missing path (NotFoundError) and malformed URIs', async () => {
    installEcho();
    const empty = await tempDir();
    await mkdir(join(empty, 'sub'));
    await assert.rejects(loadModel(join(empty, 'sub')), (err: Error) => err instanceof ModelFormatError && err.message.includes('MLmodel'));
    await assert.rejects(loadModel(join(empty, 'nope')), NotFoundError);
    await assert.rejects(loadModel('models:/my-model@'), InvalidModelUriError);
    await assert.rejects(loadModel('models:/a/b/c'), InvalidModelUriError);
    await assert.rejects(loadModel('runs:/abc/../x'), InvalidModelUriError);
  });
});
