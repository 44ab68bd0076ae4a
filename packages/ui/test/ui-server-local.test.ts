import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startUiServer, type UiServer } from '@runlog/ui';
import { makeUiStoreFixture, tinyPng, type UiStoreFixture } from '../../../test/support/ui-store-fixture.js';
import { getJson, postJson } from './support/ui-http.js';

describe('runlog ui over a local store: MLflow read routes', () => {
  let fx: UiStoreFixture;
  let ui: UiServer;
  let webDir: string;

  before(async () => {
    fx = await makeUiStoreFixture({ runs: 24, steps: 30 });
    webDir = await mkdtemp(join(tmpdir(), 'runlog-ui-web-'));
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>runlog</title>');
    await writeFile(join(webDir, 'app.js'), 'console.log(1)');
    ui = await startUiServer({ trackingUri: fx.rootDir, port: 0, webDir });
  });
  after(async () => {
    await ui?.close();
    await fx?.cleanup();
    await rm(webDir, { recursive: true, force: true });
  });

  it('tells the app its mode, store and version at /runlog-api/v1/info', async () => {
    const { status, body } = await getJson(ui.url, '/runlog-api/v1/info');
    assert.equal(status, 200);
    assert.equal(body.mode, 'local');
    assert.equal(body.readOnly, false);
    assert.match(body.trackingUri, /^file:\/\//);
    assert.equal(typeof body.version, 'string');
  });

  it('serves the app from its web folder, with ETag revalidation', async () => {
    assert.equal(ui.webAppBuilt, true);
    const res = await fetch(ui.url + '/');
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/html/);
    assert.match(await res.text(), /<title>runlog/);
    const js = await fetch(ui.url + '/app.js');
    assert.match(js.headers.get('content-type')!, /javascript/);
    const again = await fetch(ui.url + '/app.js', { headers: { 'if-none-match': js.headers.get('etag')! } });
    assert.equal(again.status, 304);
    assert.equal((await fetch(ui.url + '/../../etc/passwd')).status, 404);
  });

  it('searches experiments (GET and POST) and gets one by id and by name', async () => {
    const viaGet = await getJson(ui.url, '/api/2.0/mlflow/experiments/search?max_results=10');
    const viaPost = await postJson(ui.url, '/ajax-api/2.0/mlflow/experiments/search', { max_results: 10 });
    assert.equal(viaGet.status, 200);
    const names = viaGet.body.experiments.map((e: any) => e.name).sort();
    assert.deepEqual(names, ['Default', 'fixture-a', 'fixture-b']);
    assert.deepEqual(viaPost.body, viaGet.body);
    const byId = await getJson(ui.url, `/api/2.0/mlflow/experiments/get?experiment_id=${fx.experimentIds[0]}`);
    assert.equal(byId.body.experiment.name, 'fixture-a');
    const byName = await getJson(ui.url, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=fixture-b');
    assert.equal(byName.body.experiment.experiment_id, fx.experimentIds[1]);
    const missing = await getJson(ui.url, '/api/2.0/mlflow/experiments/get-by-name?experiment_name=nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('filters, sorts and pages runs/search as MLflow does, with the latest metric step and timestamp', async () => {
    const want = fx.runs.filter((r) => r.params.optimizer === 'adam').sort((a, b) => a.metrics.loss! - b.metrics.loss! || b.index - a.index);
    const seen: any[] = [];
    let pageToken: string | undefined;
    do {
      const { status, body } = await postJson(ui.url, '/api/2.0/mlflow/runs/search', {
        experiment_ids: fx.experimentIds,
        filter: "params.optimizer = 'adam'",
        order_by: ['metrics.loss ASC'],
        max_results: 3,
        page_token: pageToken,
      });
      assert.equal(status, 200);
      seen.push(...body.runs);
      pageToken = body.next_page_token;
    } while (pageToken);
    assert.deepEqual(seen.map((r) => r.info.run_id), want.map((r) => r.runId));
    const first = seen[0];
    const loss = first.data.metrics.find((m: any) => m.key === 'loss');
    assert.equal(loss.step, 29);
    assert.equal(loss.value, want[0]!.metrics.loss);
    assert.deepEqual(Object.fromEntries(first.data.params.map((p: any) => [p.key, p.value])), want[0]!.params);
    assert.equal(first.info.status, 'FINISHED');
    assert.deepEqual(first.inputs, { dataset_inputs: [] });
  });

  it('answers a bad filter with 400 INVALID_PARAMETER_VALUE and a message naming the problem', async () => {
    const { status, body } = await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds, filter: 'params.lr = 0.1 and' });
    assert.equal(status, 400);
    assert.equal(body.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(body.message, /filter/i);
    assert.doesNotMatch(body.message, /at .*\.ts:\d+/);
  });

  it('gets a run, and 404 RESOURCE_DOES_NOT_EXIST for an unknown one', async () => {
    const run = fx.runs[5]!;
    const { body } = await getJson(ui.url, `/api/2.0/mlflow/runs/get?run_id=${run.runId}`);
    assert.equal(body.run.info.run_name, run.name);
    assert.equal(body.run.info.experiment_id, run.experimentId);
    assert.match(body.run.info.artifact_uri, /^mlflow-artifacts:\//);
    const missing = await getJson(ui.url, '/api/2.0/mlflow/runs/get?run_id=0123456789abcdef0123456789abcdef');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('returns a metric history, paged, and the bulk-interval sample', async () => {
    const run = fx.runs[2]!;
    const all = await getJson(ui.url, `/api/2.0/mlflow/metrics/get-history?run_id=${run.runId}&metric_key=loss`);
    assert.equal(all.body.metrics.length, 30);
    assert.deepEqual(all.body.metrics.map((m: any) => m.step), Array.from({ length: 30 }, (_, i) => i));
    const page1 = await getJson(ui.url, `/api/2.0/mlflow/metrics/get-history?run_id=${run.runId}&metric_key=loss&max_results=20`);
    assert.equal(page1.body.metrics.length, 20);
    const page2 = await getJson(ui.url, `/api/2.0/mlflow/metrics/get-history?run_id=${run.runId}&metric_key=loss&max_results=20&page_token=${page1.body.next_page_token}`);
    assert.equal(page2.body.metrics.length, 10);
    assert.equal(page2.body.next_page_token, undefined);
    const bulk = await getJson(ui.url, `/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=${run.runId}&run_ids=${fx.runs[3]!.runId}&metric_key=loss&max_results=5`);
    assert.equal(bulk.body.metrics.length, 10);
    assert.deepEqual(bulk.body.metrics.slice(0, 5).map((m: any) => m.step), [0, 7, 15, 22, 29]);
    assert.equal(bulk.body.metrics[5].run_id, fx.runs[3]!.runId);
  });

  it('lists every param, metric and tag key of the experiments at /runlog-api/v1/experiment-keys', async () => {
    const { body } = await getJson(ui.url, `/runlog-api/v1/experiment-keys?experiment_ids=${fx.experimentIds[0]}&experiment_ids=${fx.experimentIds[1]}`);
    assert.deepEqual(body.params, ['batch_size', 'layers', 'lr', 'optimizer']);
    assert.deepEqual(body.metrics, ['accuracy', 'loss', 'val_loss']);
    assert.ok(body.tags.includes('team') && body.tags.includes('mlflow.runName'));
  });

  it('lists artifacts and serves them with content types and safety headers', async () => {
    const run = fx.runs[0]!;
    const list = await getJson(ui.url, `/api/2.0/mlflow/artifacts/list?run_id=${run.runId}`);
    assert.deepEqual(list.body.files.map((f: any) => [f.path, f.is_dir]), [
      ['config.json', false],
      ['data', true],
      ['images', true],
      ['model', true],
      ['notes.txt', false],
    ]);
    const sub = await getJson(ui.url, `/api/2.0/mlflow/artifacts/list?run_id=${run.runId}&path=images`);
    assert.deepEqual(sub.body.files, [{ path: 'images/plot.png', is_dir: false, file_size: tinyPng().length }]);
    const png = await fetch(`${ui.url}/get-artifact?run_id=${run.runId}&path=images/plot.png`);
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await png.arrayBuffer()), tinyPng());
    const text = await fetch(`${ui.url}/get-artifact?run_id=${run.runId}&path=notes.txt`);
    assert.match(text.headers.get('content-type')!, /^text\/plain/);
    assert.equal(text.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await text.text(), 'hello from runlog\nsecond line\n');
    const json = await fetch(`${ui.url}/ajax-api/2.0/mlflow/get-artifact?run_id=${run.runId}&path=config.json`);
    assert.equal(json.headers.get('content-type'), 'application/json');
  });

  it('never serves a path outside the run artifacts (400), and 404 for a missing file', async () => {
    const run = fx.runs[0]!;
    for (const path of ['../meta.yaml', '../../../../etc/passwd', '/etc/passwd', 'a/../../meta.yaml']) {
      const res = await fetch(`${ui.url}/get-artifact?run_id=${run.runId}&path=${encodeURIComponent(path)}`);
      assert.equal(res.status, 400, path);
      assert.equal(((await res.json()) as any).error_code, 'INVALID_PARAMETER_VALUE');
    }
    const missing = await fetch(`${ui.url}/get-artifact?run_id=${run.runId}&path=nope.txt`);
    assert.equal(missing.status, 404);
  });

  it('answers unknown routes and wrong methods with 404 ENDPOINT_NOT_FOUND', async () => {
    for (const [method, path] of [
      ['GET', '/api/2.0/mlflow/runs/log-metric'],
      ['POST', '/api/2.0/mlflow/experiments/create'],
      ['GET', '/api/2.0/mlflow/runs/search'],
      ['GET', '/ajax-api/2.0/mlflow/nothing/here'],
      ['GET', '/api/2.0/preview/mlflow/runs/get'],
    ] as const) {
      const res = await fetch(ui.url + path, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(((await res.json()) as any).error_code, 'ENDPOINT_NOT_FOUND');
    }
  });

  it('refuses bodies that are not JSON objects, and POSTs without a JSON content type, with 400', async () => {
    const notJson = await fetch(ui.url + '/api/2.0/mlflow/runs/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(notJson.status, 400);
    const noType = await fetch(ui.url + '/api/2.0/mlflow/runs/search', { method: 'POST', body: '{}' , headers: { 'content-type': '' } });
    assert.equal(noType.status, 400);
    const array = await fetch(ui.url + '/api/2.0/mlflow/runs/search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '[]' });
    assert.equal(array.status, 400);
    const badMax = await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds, max_results: 'many' });
    assert.equal(badMax.status, 400);
  });
});

// Without `webDir`, the server serves the package's own bundle (`packages/ui/web-dist`, which
// `npm test` builds before the tests run): what `runlog ui` users get.
describe('runlog ui without a webDir option', () => {
  it('serves the bundled app of the package at /', async () => {
    const fx = await makeUiStoreFixture({ runs: 1, steps: 1 });
    const ui = await startUiServer({ trackingUri: fx.rootDir, port: 0 });
    try {
      const res = await fetch(ui.url + '/');
      assert.equal(res.status, 200, 'the bundle is missing: run `npm run build:web -w @runlog/ui` first');
      const html = await res.text();
      assert.match(html, /<div id="app">/);
      const app = await fetch(ui.url + '/app.js');
      assert.equal(app.status, 200);
      await app.arrayBuffer();
    } finally {
      await ui.close();
      await fx.cleanup();
    }
  });
});
