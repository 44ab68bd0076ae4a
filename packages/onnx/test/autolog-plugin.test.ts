import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  activeRun,
  endRun,
  getClient,
  getMetricHistory,
  getRun,
  searchRuns,
  setTrackingUri,
  shutdown,
  startRun,
  type AutologOptions,
  type Run,
} from '@runlog/core';
import { loadModel, saveModel } from '@runlog/models';
import * as ort from 'onnxruntime-node';
import { onnxAutologPlugin, type OnnxAutologOptions } from '../src/onnx-autolog-plugin.js';
import { registerOnnxFlavor } from '../src/register.js';
import { EXTERNAL, LINEAR, TWO_INPUT, readFixture, tempDir } from './support/fixtures.js';

const originalCreate = ort.InferenceSession.create;
const x = (rows: number) => new ort.Tensor('float32', Float32Array.from({ length: rows * 4 }, (_, i) => i / 7), [rows, 4]);

let testTag = 0;
/** Enables the plugin with a tag that finds the runs this test makes. */
function enable(opts: AutologOptions = {}, pluginOpts: OnnxAutologOptions = {}): string {
  const tag = `t${++testTag}`;
  assert.equal(onnxAutologPlugin.enable({ silent: true, ...opts, extraTags: { test: tag } }, pluginOpts), true);
  return tag;
}

async function autologRuns(tag: string): Promise<Run[]> {
  const found = await searchRuns({ filter: `tags.test = '${tag}' and tags.\`mlflow.autologging\` = 'onnx'` });
  return found.items;
}

async function onlyRun(tag: string): Promise<Run> {
  const runs = await autologRuns(tag);
  assert.equal(runs.length, 1, `one autolog run for ${tag}`);
  return getRun(runs[0]!.info.runId);
}

async function history(runId: string, key: string): Promise<Array<[number, number]>> {
  return (await getMetricHistory(runId, key)).map((m) => [m.step, m.value]);
}

async function runTimes(session: ort.InferenceSession, n: number, rows = 1): Promise<void> {
  for (let i = 0; i < n; i++) await session.run({ x: x(rows) });
}

describe('onnx autolog', () => {
  let store = '';
  before(async () => {
    store = await mkdtemp(join(tmpdir(), 'runlog-onnx-autolog-'));
    setTrackingUri(store);
    registerOnnxFlavor();
  });
  afterEach(async () => {
    await onnxAutologPlugin.disable();
    if (activeRun()) await endRun();
  });
  after(async () => {
    await shutdown();
    await rm(store, { recursive: true, force: true });
  });

  it('gives a session created with no active run its own run, logs windows every N calls, and ends it FINISHED on release', async () => {
    const tag = enable({}, { logEveryNCalls: 10 });
    const session = await ort.InferenceSession.create(LINEAR);
    assert.equal(activeRun(), undefined, "the session's run is not made the active run");
    await runTimes(session, 35, 2);
    await session.release();

    const run = await onlyRun(tag);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.tags['mlflow.autologging'], 'onnx');
    const p = run.data.params;
    assert.deepEqual(JSON.parse(p.onnx_inputs!), [{ name: 'x', dtype: 'float32', shape: ['N', 4] }]);
    assert.deepEqual(JSON.parse(p.onnx_outputs!), [{ name: 'y', dtype: 'float32', shape: ['N', 3] }]);
    assert.equal(p.onnx_opset, '17');
    assert.equal(p.onnx_ir_version, '8');
    assert.equal(p.onnx_producer, 'runlog-fixtures');
    assert.equal(p.onnx_execution_providers, '["cpu"]');
    assert.equal(p.onnx_opset_imports, undefined, 'only the default domain');

    const id = run.info.runId;
    const load = await history(id, 'model_load_ms');
    assert.equal(load.length, 1);
    assert.ok(load[0]![0] === 0 && load[0]![1] > 0);
    assert.deepEqual(await history(id, 'inference_calls'), [[10, 10], [20, 20], [30, 30], [35, 35]]);
    assert.deepEqual((await history(id, 'inference_rows_per_call')).map(([, v]) => v), [2, 2, 2, 2]);
    for (const key of ['inference_latency_ms_p50', 'inference_latency_ms_p95', 'inference_latency_ms_p99', 'inference_throughput_rows_per_s']) {
      const h = await history(id, key);
      assert.deepEqual(h.map(([s]) => s), [10, 20, 30, 35], key);
      assert.ok(h.every(([, v]) => v > 0 && Number.isFinite(v)), key);
    }
    const [p50, p95, p99] = await Promise.all(['p50', 'p95', 'p99'].map((q) => history(id, `inference_latency_ms_${q}`)));
    for (let i = 0; i < 4; i++) assert.ok(p50![i]![1] <= p95![i]![1] && p95![i]![1] <= p99![i]![1]);
  });

  it('logs into the active user run and leaves it open', async () => {
    enable({}, { logEveryNCalls: 10 });
    const user = await startRun({ runName: 'serving' });
    const session = await ort.InferenceSession.create(await readFixture(LINEAR)); // from bytes this time
    await runTimes(session, 12);
    await session.release();
    assert.equal(activeRun(), user);
    const run = await getRun(user.runId);
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.data.tags['mlflow.autologging'], undefined);
    assert.equal(run.data.params.onnx_opset, '17');
    assert.deepEqual(await history(user.runId, 'inference_calls'), [[10, 10], [12, 12]]);
    await endRun();
  });

  it('prefixes the keys of a second session logging into the same run with session_2/', async () => {
    enable({}, { logEveryNCalls: 5 });
    const user = await startRun();
    const a = await ort.InferenceSession.create(LINEAR);
    const b = await ort.InferenceSession.create(TWO_INPUT);
    const t = new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]);
    await runTimes(a, 5);
    for (let i = 0; i < 7; i++) await b.run({ a: t, b: t });
    await a.release();
    await b.release();
    const run = await getRun(user.runId);
    assert.deepEqual(JSON.parse(run.data.params.onnx_inputs!).map((i: { name: string }) => i.name), ['x']);
    assert.deepEqual(JSON.parse(run.data.params['session_2/onnx_inputs']!).map((i: { name: string }) => i.name), ['a', 'b']);
    assert.deepEqual(await history(user.runId, 'inference_calls'), [[5, 5]]);
    assert.deepEqual(await history(user.runId, 'session_2/inference_calls'), [[5, 5], [7, 7]]);
    await endRun();
  });

  it('exclusive: leaves sessions created inside a user run unlogged, and still logs those created outside', async () => {
    const tag = enable({ exclusive: true }, { logEveryNCalls: 5 });
    const user = await startRun();
    const inside = await ort.InferenceSession.create(LINEAR);
    await runTimes(inside, 6);
    await inside.release();
    await endRun();
    const run = await getRun(user.runId);
    assert.deepEqual(run.data.params, {});
    assert.deepEqual(await history(user.runId, 'inference_calls'), []);

    const outside = await ort.InferenceSession.create(LINEAR);
    await runTimes(outside, 6);
    await outside.release();
    assert.deepEqual(await history((await onlyRun(tag)).info.runId, 'inference_calls'), [[5, 5], [6, 6]]);
  });

  it('disable() restores InferenceSession.create and stops logging, also for sessions created before', async () => {
    const tag = enable({}, { logEveryNCalls: 5 });
    assert.notEqual(ort.InferenceSession.create, originalCreate);
    const before = await ort.InferenceSession.create(LINEAR);
    await runTimes(before, 7);
    await onnxAutologPlugin.disable();
    await onnxAutologPlugin.disable(); // idempotent
    assert.equal(ort.InferenceSession.create, originalCreate);
    assert.equal(Object.prototype.hasOwnProperty.call(before, 'run'), false, 'the instance wrapper is gone');
    const run = await onlyRun(tag);
    assert.equal(run.info.status, 'FINISHED', 'disable ends the runs autolog started');
    assert.deepEqual(await history(run.info.runId, 'inference_calls'), [[5, 5], [7, 7]]);

    await runTimes(before, 3);
    const afterDisable = await ort.InferenceSession.create(LINEAR);
    await runTimes(afterDisable, 6);
    await afterDisable.release();
    await before.release();
    assert.equal((await autologRuns(tag)).length, 1, 'no run for a session created after disable');
    assert.deepEqual(await history(run.info.runId, 'inference_calls'), [[5, 5], [7, 7]]);
  });

  it('enabling twice installs one wrapper, and each window is logged once', async () => {
    enable({}, { logEveryNCalls: 4 });
    const first = ort.InferenceSession.create;
    const tag = enable({}, { logEveryNCalls: 4 });
    assert.equal(ort.InferenceSession.create, first);
    const session = await ort.InferenceSession.create(LINEAR);
    await runTimes(session, 8);
    await session.release();
    assert.deepEqual(await history((await onlyRun(tag)).info.runId, 'inference_calls'), [[4, 4], [8, 8]]);
    await onnxAutologPlugin.disable();
    assert.equal(ort.InferenceSession.create, originalCreate);
  });

  it('returns what a bare session returns, and rejects with the same errors', async () => {
    const bare = await ort.InferenceSession.create(LINEAR);
    enable({}, { logEveryNCalls: 3 });
    const logged = await ort.InferenceSession.create(LINEAR);
    for (let rows = 1; rows <= 5; rows++) {
      const input = x(rows);
      const expected = await bare.run({ x: input });
      const got = await logged.run({ x: input });
      assert.deepEqual(Object.keys(got), ['y']);
      assert.ok(got.y instanceof ort.Tensor);
      assert.deepEqual(got.y!.dims, expected.y!.dims);
      assert.deepEqual(got.y!.data, expected.y!.data);
      assert.deepEqual(await logged.run({ x: input }, ['y']), await bare.run({ x: input }, ['y'])); // the fetches overload
    }
    const error = async (s: ort.InferenceSession) => s.run({ nope: x(1) }).then(() => assert.fail('resolved'), (e: Error) => e.message);
    assert.equal(await error(logged), await error(bare));
    const createError = (create: (path: string) => Promise<unknown>) => create('/no/such/model.onnx').then(() => assert.fail('resolved'), (e: Error) => e.message);
    assert.equal(
      await createError((p) => ort.InferenceSession.create(p)),
      await createError((p) => (originalCreate as (path: string) => Promise<unknown>).call(ort.InferenceSession, p)),
    );
    await logged.release();
    await bare.release();
  });

  it('keeps inference working when the plugin fails, and stops logging that session', async () => {
    enable({}, { logEveryNCalls: 5 });
    const user = await startRun(); // the session's run is known at once: its windows are logged, not kept
    const session = await ort.InferenceSession.create(LINEAR);
    await runTimes(session, 5);
    const client = getClient();
    const logMetric = client.logMetric;
    client.logMetric = () => {
      throw new Error('the tracking client broke');
    };
    try {
      const out = await session.run({ x: x(2) }); // hands out the first window: the sink throws
      assert.deepEqual(out.y!.dims, [2, 3]);
      await runTimes(session, 10);
    } finally {
      client.logMetric = logMetric;
    }
    await runTimes(session, 10);
    await session.release();
    const run = await getRun(user.runId);
    assert.ok(run.data.metrics.model_load_ms! > 0, 'logged before the failure');
    assert.deepEqual(await history(user.runId, 'inference_calls'), [], 'nothing after the failure');
    await endRun();
  });

  it('refuses a module that is not onnxruntime, and replaces an invalid cadence with the default', async () => {
    assert.equal(onnxAutologPlugin.enable({ silent: true }, { ort: {} as never }), false);
    assert.equal(ort.InferenceSession.create, originalCreate);
    const tag = enable({}, { logEveryNCalls: -5, logEveryMs: Number.NaN });
    const session = await ort.InferenceSession.create(LINEAR);
    await runTimes(session, 12);
    await session.release();
    assert.deepEqual(await history((await onlyRun(tag)).info.runId, 'inference_calls'), [[12, 12]], 'one window: 10,000 calls or 10 s not reached');
  });

  it('does not autolog the session saveModel opens to infer a signature', async () => {
    const tag = enable();
    await saveModel(LINEAR, `${await tempDir()}/model`);
    assert.equal((await autologRuns(tag)).length, 0);
  });

  it('logs the inference of a model loaded with loadModel, and ends its run on dispose', async () => {
    const dir = `${await tempDir()}/model`;
    await saveModel(LINEAR, dir);
    const tag = enable({}, { logEveryNCalls: 4 });
    const model = await loadModel(dir);
    for (let i = 0; i < 6; i++) await model.predict({ x: [[1, 2, 3, 4], [5, 6, 7, 8]] });
    await model.dispose();
    const run = await onlyRun(tag);
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(await history(run.info.runId, 'inference_calls'), [[4, 4], [6, 6]]);
    assert.deepEqual((await history(run.info.runId, 'inference_rows_per_call')).map(([, v]) => v), [2, 2]);
  });

  it('with logModels, logs each distinct model once, in the onnx flavor with the session signature', async () => {
    const opts = { logModels: true };
    const tags = [enable({}, opts)];
    await (await ort.InferenceSession.create(LINEAR)).release();
    tags.push(enable({}, opts));
    await (await ort.InferenceSession.create(await readFixture(LINEAR))).release(); // the same bytes
    tags.push(enable({}, opts));
    await (await ort.InferenceSession.create(EXTERNAL)).release();
    const [fromPath, fromBytes, external] = await Promise.all(tags.map(onlyRun));
    const sha = (r: Run) => r.data.params.onnx_model_sha256;
    assert.match(sha(fromPath!) ?? '', /^[0-9a-f]{64}$/);
    assert.equal(sha(fromBytes!), sha(fromPath!));
    assert.notEqual(sha(external!), sha(fromPath!));

    // MLflow 3: each model is a LoggedModel named 'model', the run's output.
    const outputs = async (r: Run) => (await getClient().getRun(r.info.runId)).outputs?.modelOutputs ?? [];
    const modelDir = async (r: Run) => {
      const [out] = await outputs(r);
      const lm = await getClient().getLoggedModel(out!.modelId);
      assert.equal(lm.name, 'model');
      return getClient().downloadFromArtifactUri(lm.artifactUri, '', await tempDir());
    };
    assert.deepEqual(await outputs(fromBytes!), [], 'a model already logged by this process is not logged again');
    const pathDir = await modelDir(fromPath!);
    assert.ok((await readdir(pathDir)).includes('model.onnx'));
    assert.ok((await readdir(await modelDir(external!))).includes('onnx-external.weights'), 'external data travels with the model');
    const mlmodel = await readFile(join(pathDir, 'MLmodel'), 'utf8');
    assert.match(mlmodel, /loader_module: mlflow.onnx/);
    assert.match(mlmodel, /signature:\n {2}inputs: '\[\{"name": "x", "type": "tensor", "tensor-spec": \{"dtype": "float32"/);
  });
});
