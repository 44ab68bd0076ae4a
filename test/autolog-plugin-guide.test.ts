// Follows the README's "Writing an autolog plugin" for a third framework: tiny-framework, an
// ES-only package (its exports have only an `import` condition) installed in a user's project,
// and its plugin (fixtures/tiny-autolog), made known through the public registerAutologPlugin.
// Nothing in packages/ names either. autolog() loads the framework through import(), hooks
// Trainer#train, and the params and per-epoch loss land in the project's ./mlruns.
import assert from 'node:assert/strict';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as runlog from 'runlog';
import { tinyAutologPlugin } from './fixtures/tiny-autolog/index.js';

const FRAMEWORK = new URL('./fixtures/tiny-framework/', import.meta.url);

interface Tiny {
  version: string;
  Trainer: new (o?: { learningRate?: number }) => {
    train(a: { data: Array<[number, number]>; epochs?: number; onEpoch?: (e: number, l: { loss: number }) => void }): Promise<{ history: number[] }>;
  };
}

describe('a third autolog plugin, written from the guide', () => {
  let project: string;
  const cwd = process.cwd();
  let tiny: Tiny;

  before(async () => {
    project = await mkdtemp(join(tmpdir(), 'runlog-tiny-'));
    await mkdir(join(project, 'node_modules'));
    await cp(FRAMEWORK, join(project, 'node_modules', 'tiny-framework'), { recursive: true });
    process.chdir(project);
    runlog.setTrackingUri('./mlruns');
    // The user's `import { Trainer } from 'tiny-framework'`, from their project.
    tiny = (await import(pathToFileURL(join(project, 'node_modules', 'tiny-framework', 'index.js')).href)) as Tiny;
    runlog.registerAutologPlugin(tinyAutologPlugin);
  });

  after(async () => {
    await tinyAutologPlugin.disable();
    runlog.autolog({ disable: true });
    await runlog.shutdown();
    process.chdir(cwd);
    await rm(project, { recursive: true, force: true });
  });

  it('loads the ES-only framework through import() and logs params and per-epoch loss to ./mlruns', async () => {
    const original = tiny.Trainer.prototype.train;
    assert.ok(runlog.autolog({ onnx: { disable: true }, tfjs: { disable: true } }).includes('tiny'));
    assert.equal(await tinyAutologPlugin.ready(), true);
    assert.notEqual(tiny.Trainer.prototype.train, original, 'the copy the user imported is hooked');

    const userEpochs: number[] = [];
    const result = await new tiny.Trainer({ learningRate: 0.05 }).train({
      data: [
        [1, 2],
        [2, 4],
        [3, 6],
      ],
      epochs: 4,
      onEpoch: (e) => void userEpochs.push(e),
    });
    assert.deepEqual(userEpochs, [0, 1, 2, 3], "the user's callback still runs");

    const run = runlog.lastActiveRun();
    assert.ok(run);
    await runlog.flush();
    const stored = await runlog.getRun(run.runId);
    assert.equal(stored.info.status, 'FINISHED');
    assert.equal(stored.data.tags['mlflow.autologging'], 'tiny');
    assert.equal(stored.data.params.learning_rate, '0.05');
    assert.equal(stored.data.params.epochs, '4');
    const loss = await runlog.getMetricHistory(run.runId, 'loss');
    assert.deepEqual(
      loss.map((m) => [m.step, m.value]),
      result.history.map((v, i) => [i, v]),
    );
    assert.ok((await readdir(join(project, 'mlruns'))).length > 0, 'written to the project ./mlruns');

    await tinyAutologPlugin.disable();
    assert.equal(tiny.Trainer.prototype.train, original, 'disable() restored train exactly');
  });

  it('ends the run FAILED when train() throws, and rethrows the error unchanged', async () => {
    runlog.autolog({ onnx: { disable: true }, tfjs: { disable: true } });
    assert.equal(await tinyAutologPlugin.ready(), true);
    await assert.rejects(new tiny.Trainer().train({ data: [] }), /data must be a non-empty array/);
    const run = runlog.lastActiveRun();
    assert.ok(run);
    assert.equal((await runlog.getRun(run.runId)).info.status, 'FAILED');
    await tinyAutologPlugin.disable();
  });
});
