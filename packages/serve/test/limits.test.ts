// Overload and disconnects (issue #6 review): the server holds a bounded number of requests and
// answers the rest 503 at once; a client that goes away frees its request; a connection that never
// sent a request does not hold up close().
import assert from 'node:assert/strict';
import { request, type ClientRequest } from 'node:http';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { serveModel } from '../src/index.js';
import { LINEAR_ONNX, savedModel } from './support.js';

const BODY = JSON.stringify({ inputs: [[1, 2, 3, 4]] });

/** Starts a POST /invocations whose body is only partly sent; resolves the response when it comes. */
function partialRequest(url: string): { req: ClientRequest; response: Promise<{ status: number; headers: Record<string, unknown>; body: string }> } {
  let req!: ClientRequest;
  const response = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
    req = request(`${url}/invocations`, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'content-length': String(BODY.length) } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.write(BODY.slice(0, 5));
  });
  return { req, response };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

describe('serve: limits and disconnects', () => {
  it('answers 503 with Retry-After past maxConcurrentRequests, and serves again once requests finish', async () => {
    // Requests past their body count (here: held in the batch queue); see slow-body.test.ts for readers.
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, maxConcurrentRequests: 2, batching: { maxWaitMs: 60_000 } });
    let closed = false;
    try {
      const a = partialRequest(server.url);
      const b = partialRequest(server.url);
      for (const p of [a, b]) p.req.end(BODY.slice(5));
      await until(() => server.stats().queued === 2);
      const c = partialRequest(server.url);
      c.req.end(BODY.slice(5));
      const refused = await c.response;
      assert.equal(refused.status, 503);
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(JSON.parse(refused.body).error_code, 'TEMPORARILY_UNAVAILABLE');
      assert.equal(server.stats().rejected, 1);
      // Closing drains the batch queue: the held requests are answered.
      const closing = server.close();
      closed = true;
      assert.equal((await a.response).status, 200);
      assert.equal((await b.response).status, 200);
      await closing;
    } finally {
      if (!closed) await server.close();
    }
  });

  it('drops a queued request whose client disconnects: it leaves the batch queue and never reaches the model', async () => {
    // An idle server waits up to maxWaitMs for a batch to fill: the request sits queued meanwhile.
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, batching: { maxWaitMs: 60_000 } });
    try {
      const gone = partialRequest(server.url);
      gone.response.catch(() => undefined);
      gone.req.end(BODY.slice(5));
      await until(() => server.stats().queued === 1);
      gone.req.destroy();
      await until(() => server.stats().inflight === 0);
      assert.equal(server.stats().queued, 0);
      assert.equal(server.stats().modelCalls, 0);
    } finally {
      await server.close();
    }
  });

  it('closes promptly although a client holds a connection open without sending a request', { timeout: 60_000 }, async () => {
    // With a 10-minute request timeout, a close() that waited for that connection would time this test out.
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, timeoutMs: 600_000 });
    const socket = connect(server.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    await server.close();
    socket.end();
    await socketClosed;
  });
});
