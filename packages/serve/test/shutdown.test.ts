// Graceful shutdown (issue #6): close() stops accepting connections, answers the requests in
// flight, closes every connection and disposes a model it loaded; it is idempotent.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { describe, it } from 'node:test';
import { loadModel } from '@runlog/models';
import { serveModel } from '../src/index.js';
import { LINEAR_ONNX, savedModel, send } from './support.js';

const X = [[1, 2, 3, 4]];

describe('serve: graceful close', () => {
  it('finishes a request in flight, refuses new connections, then disposes the model it loaded', async () => {
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0 });
    const expected = { predictions: await server.model.predict(X) };
    // A request whose body is only half sent when close() starts.
    const body = JSON.stringify({ inputs: X });
    let reply = '';
    let status = 0;
    const done = new Promise<void>((resolve, reject) => {
      const req = request(`${server.url}/invocations`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
        status = res.statusCode!;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (reply += c));
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.write(body.slice(0, 10));
      // Let the server see the request before closing.
      req.on('socket', (s) => s.on('connect', () => setImmediate(() => void onStarted(req))));
    });
    let closed = false;
    let closing!: Promise<void>;
    const onStarted = async (req: ReturnType<typeof request>) => {
      while (server.stats().inflight === 0) await new Promise((r) => setImmediate(r));
      closing = server.close().then(() => {
        closed = true;
      });
      const refused = await send(server.url, { method: 'GET', path: '/ping', contentType: null }).then(
        () => false,
        (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
      );
      assert.ok(refused, 'new connections are refused once close() has started');
      assert.equal(closed, false, 'close() waits for the request in flight');
      req.end(body.slice(10));
    };
    await done;
    assert.equal(status, 200, reply);
    assert.deepEqual(JSON.parse(reply), expected);
    await closing;
    assert.equal(closed, true);
    await assert.rejects(server.model.predict(X), /disposed/);
    await server.close(); // idempotent
  });

  it('sends a request waiting for its batch to fill to the model at once when close() starts', async () => {
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, batching: { maxBatchSize: 8, maxWaitMs: 3_600_000 } });
    const reply = send(server.url, { body: JSON.stringify({ inputs: X }) });
    while (server.stats().queued === 0) await new Promise((r) => setImmediate(r));
    const closing = server.close();
    const r = await reply;
    assert.equal(r.status, 200, r.text);
    await closing;
    assert.equal(server.stats().modelCalls, 1);
  });

  it('leaves a model it was given to the caller, and closes idle keep-alive connections', async () => {
    const model = await loadModel(await savedModel(LINEAR_ONNX));
    const server = await serveModel(model, { port: 0 });
    // fetch keeps its connection alive in undici's pool: close() must not wait on it.
    const r = await fetch(`${server.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: X }) });
    assert.equal(r.status, 200);
    await r.json();
    const before = await model.predict(X);
    await server.close();
    assert.deepEqual(await model.predict(X), before, 'the model still predicts after close()');
    await model.dispose();
  });

  it('refuses to start on a port in use, and disposes what it loaded', async () => {
    const first = await serveModel(await savedModel(LINEAR_ONNX), { port: 0 });
    try {
      await assert.rejects(serveModel(await savedModel(LINEAR_ONNX), { port: first.port }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
