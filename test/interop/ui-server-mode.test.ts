// `runlog ui` in front of a real `mlflow server`, behind a proxy that demands a bearer token: the
// ui server forwards with MLFLOW_TRACKING_TOKEN from its environment, the token never appears in
// anything the browser receives, metric-series pages through the server's full history, and a
// server that refuses or is away answers in MLflow's error shape.
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '@runlog/core/internal';
import { startUiServer, type UiServer } from '@runlog/ui';
import { ensureMlflow, startMlflowServer, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();
const TOKEN = 'tok-3f9a1c7e5b2d4a60-secret';
const POINTS = 30_000;

/** Forwards everything to `target` when the request carries the token; 401 (plain text, as MLflow's basic-auth) otherwise. */
function tokenProxy(target: string): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} auth=${req.headers.authorization === `Bearer ${TOKEN}`}`);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="mlflow"', 'set-cookie': 'session=abc' });
      res.end('You are not authenticated.');
      return;
    }
    const up = request(target + req.url, { method: req.method, headers: { ...req.headers, host: new URL(target).host } }, (upRes) => {
      res.writeHead(upRes.statusCode!, { ...upRes.headers, 'set-cookie': 'session=abc' });
      upRes.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen })));
}

describe('interop: runlog ui in server mode, in front of mlflow server with a token', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let mlflow: MlflowServer;
  let proxy: Awaited<ReturnType<typeof tokenProxy>>;
  let ui: UiServer;
  let noToken: UiServer;
  let expId: string;
  let runId: string;
  /** Everything the ui server sent back in these tests, to look for the token in. */
  const received: string[] = [];

  const get = async (server: UiServer, path: string) => {
    const res = await fetch(server.url + path);
    const text = await res.text();
    received.push(JSON.stringify([...res.headers]), text);
    return { status: res.status, text, json: () => JSON.parse(text), headers: res.headers };
  };
  const post = async (server: UiServer, path: string, body: unknown) => {
    const res = await fetch(server.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    received.push(JSON.stringify([...res.headers]), text);
    return { status: res.status, json: () => JSON.parse(text) };
  };

  before(async () => {
    // The server reads a file backend, written here directly: 30,000 points through REST would
    // take minutes on a busy machine, and the server answers from the files the same way.
    mlflow = await startMlflowServer(env!, { backend: 'file' });
    proxy = await tokenProxy(mlflow.uri);
    const store = new FileStore(mlflow.backendUri);
    expId = await store.createExperiment('ui-server-mode');
    const run = await store.createRun({ experimentId: expId, startTime: Date.now(), runName: 'remote-run', tags: [{ key: 'team', value: 'vision' }] });
    runId = run.runId;
    const t0 = 1_700_000_000_000;
    const metrics = Array.from({ length: POINTS }, (_, s) => ({ key: 'loss', value: s === 12_345 ? 50 : 1 / (1 + s), timestamp: t0 + s, step: s }));
    await store.logBatch(runId, { metrics, params: [{ key: 'lr', value: '0.01' }], tags: [] });
    await store.putArtifact(runId, 'notes.txt', Buffer.from('remote notes\n'));
    await store.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    await store.close();
    ui = await startUiServer({ trackingUri: proxy.url, port: 0, env: { MLFLOW_TRACKING_TOKEN: TOKEN } });
    noToken = await startUiServer({ trackingUri: proxy.url, port: 0, env: {} });
  });
  after(async () => {
    await ui?.close();
    await noToken?.close();
    await new Promise((r) => proxy?.server.close(r));
    await mlflow?.stop();
  });

  it('says it is in server mode, with the server URI and no credentials', async () => {
    const info = (await get(ui, '/runlog-api/v1/info')).json();
    assert.equal(info.mode, 'server');
    assert.equal(info.trackingUri, proxy.url);
  });

  it('forwards MLflow reads with the token: experiments, a filtered runs search, a run, artifacts', async () => {
    const exp = (await get(ui, `/api/2.0/mlflow/experiments/get-by-name?experiment_name=ui-server-mode`)).json();
    assert.equal(exp.experiment.experiment_id, expId);
    const search = await post(ui, '/ajax-api/2.0/mlflow/runs/search', { experiment_ids: [expId], filter: "params.lr = '0.01'", max_results: 10 });
    assert.equal(search.status, 200);
    assert.deepEqual(search.json().runs.map((r: any) => r.info.run_id), [runId]);
    const bad = await post(ui, '/ajax-api/2.0/mlflow/runs/search', { experiment_ids: [expId], filter: 'params.lr = ' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().error_code, 'INVALID_PARAMETER_VALUE');
    const list = (await get(ui, `/api/2.0/mlflow/artifacts/list?run_id=${runId}`)).json();
    assert.deepEqual(list.files.map((f: any) => f.path), ['notes.txt']);
    const file = await get(ui, `/get-artifact?run_id=${runId}&path=notes.txt`);
    assert.equal(file.status, 200);
    assert.equal(file.text, 'remote notes\n');
    assert.match(file.headers.get('content-type')!, /^text\/plain/);
    assert.equal(file.headers.get('set-cookie'), null);
    assert.ok(proxy.seen.every((line) => line.endsWith('auth=true')), proxy.seen.join('\n'));
  });

  it("computes metric-series from the server's full paged history, and experiment-keys", async () => {
    const series = (await get(ui, `/runlog-api/v1/metric-series?run_id=${runId}&key=loss&buckets=500`)).json();
    assert.equal(series.total, POINTS);
    assert.equal(series.downsampled, true);
    assert.ok(series.points.length <= 500);
    assert.equal(series.points.at(-1).step, POINTS - 1);
    assert.ok(series.points.some((p: any) => p.max === 50), 'the spike survives');
    assert.ok(proxy.seen.filter((l) => l.includes('metrics/get-history')).length >= 2, 'more than one page was fetched');
    const keys = (await get(ui, `/runlog-api/v1/experiment-keys?experiment_ids=${expId}`)).json();
    assert.deepEqual(keys.params, ['lr']);
    assert.deepEqual(keys.metrics, ['loss']);
    assert.ok(keys.tags.includes('team'));
  });

  it('forwards a write the UI offers (set-tag), and 404 ENDPOINT_NOT_FOUND for routes it does not offer', async () => {
    assert.equal((await post(ui, '/api/2.0/mlflow/runs/set-tag', { run_id: runId, key: 'reviewed', value: 'yes' })).status, 200);
    const run = (await get(ui, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).json();
    assert.equal(run.run.data.tags.find((t: any) => t.key === 'reviewed').value, 'yes');
    const create = await post(ui, '/api/2.0/mlflow/experiments/create', { name: 'nope' });
    assert.equal(create.status, 404);
    assert.equal(create.json().error_code, 'ENDPOINT_NOT_FOUND');
  });

  it('answers a refused token with 401 in MLflow error shape, naming the variables to check', async () => {
    const res = await get(noToken, `/api/2.0/mlflow/runs/get?run_id=${runId}`);
    assert.equal(res.status, 401);
    const body = res.json();
    assert.equal(body.error_code, 'UNAUTHENTICATED');
    assert.match(body.message, /MLFLOW_TRACKING_TOKEN/);
    assert.equal(res.headers.get('www-authenticate'), null);
  });

  it('answers 503 TEMPORARILY_UNAVAILABLE when the server is away', async () => {
    const away = await startUiServer({ trackingUri: 'http://127.0.0.1:9', port: 0, env: { MLFLOW_TRACKING_TOKEN: TOKEN } });
    try {
      const res = await fetch(`${away.url}/api/2.0/mlflow/runs/get?run_id=${runId}`);
      const text = await res.text();
      received.push(text);
      assert.equal(res.status, 503);
      assert.equal(JSON.parse(text).error_code, 'TEMPORARILY_UNAVAILABLE');
    } finally {
      await away.close();
    }
  });

  it('never lets the token reach the browser: no response carried it', () => {
    assert.ok(received.length > 10);
    for (const text of received) assert.ok(!text.includes(TOKEN) && !text.includes('tok-3f9a'), text.slice(0, 300));
  });
});
