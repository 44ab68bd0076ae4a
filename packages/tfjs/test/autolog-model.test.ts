import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { getClient, listArtifacts } from '@runlog/core';
import { readMLmodel } from '@runlog/models';
import { tfjsAutologPlugin } from '../src/index.js';
import { compiledModel, data, newRuns, runIds, tf, trackingPerSuite } from './autolog-support.js';

/** The LoggedModel the run produced (MLflow 3: autolog's model is the run's output). */
async function modelIdOf(runId: string): Promise<string> {
  const outputs = (await getClient().getRun(runId)).outputs?.modelOutputs ?? [];
  assert.equal(outputs.length, 1);
  return outputs[0]!.modelId;
}

/** The model autolog logged: its MLmodel and, if any, input_example.json parsed. */
async function loggedModel(runId: string): Promise<{ mlmodel: Awaited<ReturnType<typeof readMLmodel>>; example: unknown }> {
  const client = getClient();
  const lm = await client.getLoggedModel(await modelIdOf(runId));
  assert.equal(lm.name, 'model');
  const dir = await client.downloadFromArtifactUri(lm.artifactUri, '', await mkdtemp(join(tmpdir(), 'runlog-autolog-model-')));
  const mlmodel = await readMLmodel(dir);
  let example: unknown;
  try {
    example = JSON.parse(await readFile(join(dir, 'input_example.json'), 'utf8'));
  } catch {
    example = undefined;
  }
  return { mlmodel, example };
}

describe('tfjs autolog: the logged model', () => {
  const tracking = trackingPerSuite();

  async function fitAndGetRun(fit: (model: tf.LayersModel) => Promise<unknown>, given?: tf.LayersModel): Promise<string> {
    const before = await runIds();
    const model = given ?? compiledModel();
    await fit(model);
    if (!given) model.dispose();
    const [run] = await newRuns(before);
    assert.ok(run);
    return run.info.runId;
  }

  it('registeredModelName: the logged model is registered as a new version of that model', async () => {
    tfjsAutologPlugin.enable({ registeredModelName: 'autolog-reg' });
    const { xs, ys } = data();
    const runId = await fitAndGetRun((m) => m.fit(xs, ys, { epochs: 1, verbose: 0 }));
    const mv = await getClient().getModelVersion('autolog-reg', 1);
    assert.equal(mv.runId, runId);
    assert.equal(mv.source, `models:/${await modelIdOf(runId)}`);
    tf.dispose([xs, ys]);
  });

  it('logInputExamples: the first 5 rows of x, with the inferred tensor signature', async () => {
    tfjsAutologPlugin.enable({ logInputExamples: true });
    const { xs, ys } = data();
    const runId = await fitAndGetRun((m) => m.fit(xs, ys, { epochs: 1, verbose: 0 }));
    const { mlmodel, example } = await loggedModel(runId);
    const want = tf.tidy(() => xs.slice(0, 5).arraySync());
    assert.deepEqual(example, want);
    assert.equal(mlmodel.savedInputExampleInfo?.type, 'ndarray');
    assert.equal(mlmodel.signature?.inputs.kind, 'tensor');
    tf.dispose([xs, ys]);
  });

  it('logInputExamples with fitDataset: the first rows of the first batch, disposed after', async () => {
    tfjsAutologPlugin.enable({ logInputExamples: true });
    const { xs, ys } = data(16);
    const ds = tf.data.zip({ xs: tf.data.array(xs.unstack()), ys: tf.data.array(ys.unstack()) }).batch(8);
    const model = compiledModel();
    await model.fitDataset(ds, { epochs: 1, verbose: 0 }); // warm-up: optimizer slots are created once
    const tensors = tf.memory().numTensors;
    const runId = await fitAndGetRun((m) => m.fitDataset(ds, { epochs: 1, verbose: 0 }), model);
    assert.equal(tf.memory().numTensors, tensors, 'the peeked batch is disposed');
    const { example } = await loggedModel(runId);
    assert.deepEqual(example, tf.tidy(() => xs.slice(0, 5).arraySync()));
    model.dispose();
    tf.dispose([xs, ys]);
  });

  it('no input example by default, as in MLflow', async () => {
    tfjsAutologPlugin.enable({});
    const { xs, ys } = data();
    const runId = await fitAndGetRun((m) => m.fit(xs, ys, { epochs: 1, verbose: 0 }));
    const { mlmodel, example } = await loggedModel(runId);
    assert.equal(example, undefined);
    assert.ok(mlmodel.signature);
    tf.dispose([xs, ys]);
  });

  it('logModelSignatures: false logs the model without a signature', async () => {
    tfjsAutologPlugin.enable({ logModelSignatures: false });
    const { xs, ys } = data();
    const runId = await fitAndGetRun((m) => m.fit(xs, ys, { epochs: 1, verbose: 0 }));
    const { mlmodel } = await loggedModel(runId);
    assert.equal(mlmodel.signature, undefined);
    assert.deepEqual(Object.keys(mlmodel.flavors), ['tfjs']);
    tf.dispose([xs, ys]);
  });

  it('logModels: false logs no model, only the summary', async () => {
    tfjsAutologPlugin.enable({ logModels: false });
    const { xs, ys } = data();
    const runId = await fitAndGetRun((m) => m.fit(xs, ys, { epochs: 1, verbose: 0 }));
    assert.deepEqual((await listArtifacts(runId)).map((f) => f.path), ['model_summary.txt']);
    assert.deepEqual((await getClient().getRun(runId)).outputs?.modelOutputs, []);
    tf.dispose([xs, ys]);
  });

  it('leaks no tensors across an autologged fit and model logging', async () => {
    tfjsAutologPlugin.enable({ logInputExamples: true });
    const { xs, ys } = data();
    const model = compiledModel();
    await model.fit(xs, ys, { epochs: 1, verbose: 0 }); // warm-up: optimizer slots are created once
    const before = tf.memory().numTensors;
    await model.fit(xs, ys, { epochs: 2, verbose: 0 });
    assert.equal(tf.memory().numTensors, before);
    model.dispose();
    tf.dispose([xs, ys]);
  });
});
