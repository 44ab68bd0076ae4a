import assert from 'node:assert/strict';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startUiServer, type UiServer } from '@runlog/ui';
import { FileStore } from '@runlog/core/internal';
import { RunIndex } from '../src/local/run-index.js';
import { makeUiStoreFixture, type UiStoreFixture } from '../../../test/support/ui-store-fixture.js';
import { getJson, postJson } from './support/ui-http.js';

describe('the run index stays fresh: writes by other processes show on the next query', () => {
  let fx: UiStoreFixture;
  let ui: UiServer;
  // A second store object on the same folder stands for a training process.
  let trainer: FileStore;

  before(async () => {
    fx = await makeUiStoreFixture({ runs: 8, runningRuns: 2, artifacts: false });
    trainer = new FileStore(fx.rootDir);
    ui = await startUiServer({ trackingUri: fx.rootDir, port: 0 });
  });
  after(async () => {
    await ui?.close();
    await trainer?.close();
    await fx?.cleanup();
  });

  const search = async (body: Record<string, unknown> = {}) =>
    (await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds, ...body })).body.runs ?? [];
  const metric = (run: any, key: string) => run.data.metrics.find((m: any) => m.key === key);

  it('shows a run created after the first scan', async () => {
    assert.equal((await search()).length, 8);
    const info = await trainer.createRun({ experimentId: fx.experimentIds[0]!, startTime: Date.now(), runName: 'late', tags: [] });
    await trainer.logBatch(info.runId, { metrics: [], params: [{ key: 'lr', value: '0.5' }], tags: [] });
    const runs = await search({ filter: "params.lr = '0.5'" });
    assert.deepEqual(runs.map((r: any) => r.info.run_id), [info.runId]);
  });

  it("shows a running run's new metric points and its end, on the next query", async () => {
    const live = fx.runs.find((r) => r.status === 'RUNNING')!;
    await trainer.logBatch(live.runId, { metrics: [{ key: 'loss', value: 0.001, timestamp: Date.now(), step: 500 }], params: [], tags: [] });
    const [run] = await search({ filter: `attributes.run_id = '${live.runId}'` });
    assert.deepEqual([metric(run, 'loss').value, metric(run, 'loss').step], [0.001, 500]);
    const series = await getJson(ui.url, `/runlog-api/v1/metric-series?run_id=${live.runId}&key=loss`);
    assert.equal(series.body.total, 21);
    assert.equal(series.body.points.at(-1).step, 500);
    await trainer.updateRun(live.runId, { status: 'FINISHED', endTime: Date.now() });
    const got = await getJson(ui.url, `/api/2.0/mlflow/runs/get?run_id=${live.runId}`);
    assert.equal(got.body.run.info.status, 'FINISHED');
  });

  it('grows a cached metric series when its file grows (only the new lines are read)', async () => {
    const run = fx.runs[0]!;
    const before = await getJson(ui.url, `/runlog-api/v1/metric-series?run_id=${run.runId}&key=accuracy`);
    assert.equal(before.body.total, 20);
    await trainer.logBatch(run.runId, { metrics: [{ key: 'accuracy', value: 0.99, timestamp: Date.now(), step: 20 }], params: [], tags: [] });
    const afterAppend = await getJson(ui.url, `/runlog-api/v1/metric-series?run_id=${run.runId}&key=accuracy`);
    assert.equal(afterAppend.body.total, 21);
    assert.equal(afterAppend.body.points.at(-1).value, 0.99);
  });

  it('drops a run whose folder was removed, and leaves out a damaged run without hiding the others', async () => {
    const gone = fx.runs[1]!;
    await rm(join(fx.rootDir, gone.experimentId, gone.runId), { recursive: true });
    const damaged = fx.runs[2]!;
    await writeFile(join(fx.rootDir, damaged.experimentId, damaged.runId, 'meta.yaml'), 'run_id: [unclosed\n');
    // Another run is created so the experiment folders change and are listed again.
    await trainer.createRun({ experimentId: damaged.experimentId, startTime: Date.now(), tags: [] });
    await trainer.createRun({ experimentId: gone.experimentId, startTime: Date.now(), tags: [] });
    const ids = (await search()).map((r: any) => r.info.run_id);
    assert.ok(!ids.includes(gone.runId));
    assert.ok(ids.includes(fx.runs[3]!.runId));
    const missing = await getJson(ui.url, `/api/2.0/mlflow/runs/get?run_id=${gone.runId}`);
    assert.equal(missing.status, 404);
  });
});

describe('RunIndex sweep', () => {
  let fx: UiStoreFixture;
  before(async () => {
    fx = await makeUiStoreFixture({ runs: 4, artifacts: false });
  });
  after(async () => fx?.cleanup());

  it('finds a tag another process set on a finished run', async () => {
    const index = new RunIndex(fx.rootDir, { sweepIntervalMs: 60_000 });
    const run = fx.runs[1]!;
    const all = await index.runsOf(undefined, 'ALL');
    assert.equal(all.length, 4);
    const other = new FileStore(fx.rootDir);
    await other.logBatch(run.runId, { metrics: [], params: [], tags: [{ key: 'verdict', value: 'keep' }] });
    await other.close();
    await index.sweepNow();
    const [found] = (await index.runsOf([run.experimentId], 'ALL')).filter((r) => r.run.info.runId === run.runId);
    assert.equal(found!.run.data.tags.verdict, 'keep');
    index.close();
  });

  it('takes the latest metric point from the end of a long file', async () => {
    const run = fx.runs[0]!;
    const file = join(fx.rootDir, run.experimentId, run.runId, 'metrics', 'long');
    let text = '';
    for (let i = 0; i < 5000; i++) text += `${1_700_000_000_000 + i} ${i / 10} ${i}\n`;
    await writeFile(file, text);
    // A torn last line (a write cut short) is not read as a point.
    await appendFile(file, '1700000009999 12');
    const index = new RunIndex(fx.rootDir);
    const found = (await index.runsOf([run.experimentId], 'ALL')).find((r) => r.run.info.runId === run.runId)!;
    assert.equal(found.run.data.metrics.long, 499.9);
    assert.equal(found.latest.get('long')!.step, 4999);
    index.close();
  });
});
