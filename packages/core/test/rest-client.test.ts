import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClosedError, MlflowServerError, NetworkError, NotFoundError } from '../src/errors.js';
import { resolveAuth, resolveTrackingTarget } from '../src/config.js';
import { RestClient } from '../src/rest/rest-client.js';
import { RestStore } from '../src/rest/rest-store.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

describe('RestClient', () => {
  const server = new RecordingServer();
  before(() => server.start());
  after(() => server.stop());

  it('sends Basic auth when username and password are set, even with a token (MLflow precedence)', async () => {
    const auth = resolveAuth({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p@ss', MLFLOW_TRACKING_TOKEN: 't' });
    const client = new RestClient({ baseUrl: server.url, auth });
    await client.call('GET', 'experiments/get', { query: { experiment_id: '1' } });
    const req = server.requests.at(-1)!;
    assert.equal(req.headers.authorization, 'Basic ' + Buffer.from('u:p@ss').toString('base64'));
    assert.equal(req.path, '/api/2.0/mlflow/experiments/get?experiment_id=1');
    await client.close();
  });

  it('sends a Bearer token when only MLFLOW_TRACKING_TOKEN is set', async () => {
    const client = new RestClient({ baseUrl: server.url, auth: resolveAuth({ MLFLOW_TRACKING_TOKEN: 'secret-token' }) });
    await client.call('POST', 'runs/update', { body: { run_id: 'r' } });
    const req = server.requests.at(-1)!;
    assert.equal(req.headers.authorization, 'Bearer secret-token');
    assert.equal(req.headers['content-type'], 'application/json');
    await client.close();
  });

  it('refuses a request after close() with ClosedError, also when it never sent one (its Agent is made by the first request); close() twice is fine', async () => {
    const unused = new RestClient({ baseUrl: server.url });
    await unused.close();
    const before = server.requests.length;
    await assert.rejects(unused.call('GET', 'experiments/get', { query: { experiment_id: '1' } }), ClosedError);
    const used = new RestClient({ baseUrl: server.url });
    await used.call('GET', 'experiments/get', { query: { experiment_id: '1' } });
    await used.close();
    await used.close(); // twice is fine
    await assert.rejects(used.call('GET', 'experiments/get', { query: { experiment_id: '1' } }), ClosedError);
    assert.equal(server.requests.length, before + 1, 'only the request before close reached the server');
  });

  it('keeps a tracking URI path prefix in every request path', async () => {
    const client = new RestClient({ baseUrl: `${server.url}/mlflow/` });
    await client.call('GET', 'runs/get', { query: { run_id: 'x' } });
    assert.equal(server.requests.at(-1)!.path, '/mlflow/api/2.0/mlflow/runs/get?run_id=x');
    await client.close();
  });

  it('maps MLflow error envelopes to typed errors without leaking credentials', async () => {
    server.responder = (req, res) => {
      if (req.path.includes('runs/get')) return sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run x not found' });
      if (req.path.includes('runs/create')) return sendJson(res, 400, { error_code: 'RESOURCE_ALREADY_EXISTS', message: 'exists' });
      if (req.path.includes('forbidden')) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end('Permission denied');
        return 'handled';
      }
      return;
    };
    const client = new RestClient({ baseUrl: server.url, auth: { kind: 'basic', username: 'alice', password: 'hunter2-secret' } });
    await assert.rejects(client.call('GET', 'runs/get', { query: { run_id: 'x' } }), (e: unknown) => e instanceof NotFoundError && /Run x not found/.test((e as Error).message));
    await assert.rejects(client.call('POST', 'runs/create', { body: {} }), (e: unknown) => {
      assert.ok(e instanceof MlflowServerError);
      assert.equal(e.errorCode, 'RESOURCE_ALREADY_EXISTS');
      assert.equal(e.status, 400);
      return true;
    });
    await assert.rejects(client.call('GET', 'forbidden'), (e: unknown) => {
      assert.ok(e instanceof MlflowServerError);
      assert.equal(e.errorCode, 'PERMISSION_DENIED');
      assert.ok(!e.message.includes('hunter2') && !e.message.includes('alice'));
      return true;
    });
    server.responder = undefined;
    await client.close();
  });

  it('retries 503 honouring Retry-After, then succeeds', async () => {
    let n = 0;
    const waits: number[] = [];
    server.responder = (req, res) => {
      if (req.path.includes('flaky') && n++ < 2) return sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'x' }, { 'retry-after': '2' });
      return;
    };
    const client = new RestClient({ baseUrl: server.url, sleep: async (ms) => void waits.push(ms) });
    assert.deepEqual(await client.call('GET', 'flaky'), {});
    assert.deepEqual(waits, [2000, 2000]);
    server.responder = undefined;
    await client.close();
  });

  it('gives up after maxRetries with a NetworkError naming the server, not the credentials', async () => {
    const dead = new RecordingServer();
    await dead.start();
    const url = dead.url;
    await dead.stop();
    const client = new RestClient({
      baseUrl: url,
      auth: { kind: 'bearer', token: 'tok-123' },
      retry: { maxRetries: 2, baseDelayMs: 1, maxDelayMs: 1, jitterMs: 0 },
    });
    await assert.rejects(client.call('GET', 'runs/get'), (e: unknown) => e instanceof NetworkError && e.message.includes(url) && !e.message.includes('tok-123'));
    await client.close();
  });
});

describe('resolveTrackingTarget', () => {
  it('defaults to ./mlruns, honours MLFLOW_TRACKING_URI and explicit URIs', () => {
    assert.equal(resolveTrackingTarget(undefined, {}).kind, 'file');
    assert.match(resolveTrackingTarget(undefined, {}).uri, /^file:\/\/\/.*\/mlruns$/);
    assert.deepEqual(resolveTrackingTarget(undefined, { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000/' }), {
      kind: 'rest',
      baseUrl: 'http://127.0.0.1:5000',
      uri: 'http://127.0.0.1:5000',
    });
    const f = resolveTrackingTarget('file:///tmp/x/mlruns', {});
    assert.equal(f.kind === 'file' && f.rootDir, '/tmp/x/mlruns');
  });
  it('treats an empty MLFLOW_TRACKING_URI as unset, and refuses Databricks URIs', () => {
    assert.match(resolveTrackingTarget(undefined, { MLFLOW_TRACKING_URI: '' }).uri, /\/mlruns$/);
    assert.throws(() => resolveTrackingTarget('databricks', {}), /Databricks/);
  });
  it('rejects database URIs with a pointer to mlflow server', () => {
    assert.throws(() => resolveTrackingTarget('sqlite:///mlflow.db', {}), /mlflow server/);
  });
  it('refuses credentials inside the URI and does not echo them, even when the URI does not parse', () => {
    assert.throws(() => resolveTrackingTarget('http://bob:pw@host:5000', {}), (e: unknown) => !(e as Error).message.includes('pw@'));
    assert.throws(() => resolveTrackingTarget('http://bob:pa/ss@host:5000', {}), (e: unknown) => !(e as Error).message.includes('pa/ss'));
  });
});

describe('RestStore.artifactServicePath', () => {
  const store = new RestStore({ baseUrl: 'http://127.0.0.1:5000/prefix' });
  after(() => store.close());
  it('resolves mlflow-artifacts URIs under the tracking path prefix, as MLflow does', () => {
    assert.equal(
      store.artifactServicePath('mlflow-artifacts:/1/abc/artifacts', 'model/MLmodel'),
      '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/MLmodel',
    );
  });
  it('encodes the user path without decoding it, and keeps dotfiles', () => {
    assert.equal(
      store.artifactServicePath('mlflow-artifacts:/1/abc/artifacts', 'acc 100%.txt'),
      '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/acc%20100%25.txt',
    );
    assert.equal(
      store.artifactServicePath('mlflow-artifacts:/1/abc/artifacts', 'x%41.txt'),
      '/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/x%2541.txt',
    );
  });
  it('refuses an mlflow-artifacts URI that names another server', () => {
    assert.throws(() => store.artifactServicePath('mlflow-artifacts://other:9/1/a', 'f'), /another server/);
  });
});
