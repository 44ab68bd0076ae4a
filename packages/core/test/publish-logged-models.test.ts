import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { localPathFromUri } from '../src/stores/local-artifacts.js';
import { FileStore } from '../src/stores/file-store.js';
import { publishLoggedModels, SOURCE_MODEL_TAG } from '../src/sync/publish-logged-models.js';

// `runlog sync --from ./mlruns` publishes a run's LoggedModels with it (issue #13): before them,
// local models were run artifacts and went with the artifacts; now they live under models/<id>.

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-publish-lm-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('publishLoggedModels', () => {
  it('copies the run output models to the target run once: files, params, tags, status and the output link', async () => {
    const source = new FileStore(join(tmp, 'local'));
    const target = new FileStore(join(tmp, 'server'));
    const run = await source.createRun({ experimentId: '0', startTime: 1, tags: [] });
    const model = await source.createLoggedModel('0', { name: 'model', sourceRunId: run.runId, params: { lr: '0.1' }, tags: { 'mlflow.user': 'ann' } });
    const files = localPathFromUri(model.artifactUri)!;
    await mkdir(files, { recursive: true });
    await writeFile(join(files, 'MLmodel'), 'flavors: {}\n');
    await source.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
    await source.logModelOutputs(run.runId, [{ modelId: model.modelId, step: 3 }]);
    const targetRun = await target.createRun({ experimentId: '0', startTime: 1, tags: [] });

    const local = await source.getRun(run.runId);
    const warnings: string[] = [];
    assert.equal(await publishLoggedModels(source, target, local, targetRun.runId, '0', warnings), 1);
    assert.equal(await publishLoggedModels(source, target, local, targetRun.runId, '0', warnings), 1, 'a second publish links again');
    assert.deepEqual(warnings, []);

    const published = (await target.searchLoggedModels({ experimentIds: ['0'] })).items;
    assert.equal(published.length, 1, 'copied once');
    const copy = published[0]!;
    assert.notEqual(copy.modelId, model.modelId);
    assert.equal(copy.name, 'model');
    assert.equal(copy.status, 'LOGGED_MODEL_READY');
    assert.equal(copy.sourceRunId, targetRun.runId);
    assert.deepEqual(copy.params, { lr: '0.1' });
    assert.deepEqual(copy.tags, { 'mlflow.user': 'ann', [SOURCE_MODEL_TAG]: model.modelId });
    assert.equal(await readFile(join(localPathFromUri(copy.artifactUri)!, 'MLmodel'), 'utf8'), 'flavors: {}\n');
    assert.deepEqual((await target.getRun(targetRun.runId)).outputs, { modelOutputs: [{ modelId: copy.modelId, step: 3 }] });
  });
});
