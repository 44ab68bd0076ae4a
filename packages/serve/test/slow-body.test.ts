// Issue 10, "Broken or hostile peers / runlog serve": connections that declare a body and send it
// a byte at a time must not lock normal clients out, and must be cut at a body-read deadline that
// is separate from the model timeout. Real sockets on loopback, bounded in count and time.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { serveModel } from '../src/index.js';
import { LINEAR_ONNX, savedModel, send } from './support.js';

const BODY = JSON.stringify({ inputs: [[1, 2, 3, 4]] });
const SLOW_CLIENTS = 300;

interface SlowClient {
  socket: Socket;
  /** Everything the server sent back. */
  received: () => string;
  closed: Promise<void>;
}

/** A raw connection that declares a body of BODY's length and sends its first byte only. */
function slowClient(port: number): Promise<SlowClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (received += d));
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('connect', () => {
      socket.write(
        `POST /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY[0]}`,
      );
      resolve({ socket, received: () => received, closed });
    });
    socket.once('error', reject);
  });
}

describe('serve: slow request bodies (issue 10)', () => {
  it('answers normal clients while 300 connections trickle their bodies, and cuts those at bodyTimeoutMs with 408', { timeout: 60_000 }, async () => {
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, maxConcurrentRequests: 8, bodyTimeoutMs: 8000, timeoutMs: 60_000 });
    const slow: SlowClient[] = [];
    let trickle: NodeJS.Timeout | undefined;
    const started = Date.now();
    try {
      slow.push(...(await Promise.all(Array.from({ length: SLOW_CLIENTS }, () => slowClient(server.port)))));
      // One more byte on each every 200 ms, never the last one: no body completes.
      let sent = 1;
      trickle = setInterval(() => {
        if (sent >= BODY.length - 1) return;
        for (const c of slow) if (!c.socket.destroyed) c.socket.write(BODY[sent]!);
        sent++;
      }, 200);
      const deadline = Date.now() + 10_000;
      while (server.stats().reading < SLOW_CLIENTS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.equal(server.stats().reading, SLOW_CLIENTS, `all slow clients are being read (${Date.now() - started} ms)`);
      // Normal clients, one after another and a few at once, all get answers.
      for (let i = 0; i < 5; i++) {
        const reply = await send(server.url, { body: BODY });
        assert.equal(reply.status, 200, reply.text);
      }
      const burst = await Promise.all(Array.from({ length: 8 }, () => send(server.url, { body: BODY })));
      assert.deepEqual(burst.map((r) => r.status), Array(8).fill(200));
      // The trickling connections are cut at their body deadline: 408, connection closed.
      await Promise.all(slow.map((c) => c.closed));
      for (const c of slow) {
        assert.match(c.received(), /^HTTP\/1\.1 408 /);
        assert.match(c.received(), /bodyTimeoutMs/);
      }
      const stats = server.stats();
      assert.equal(stats.bodyTimeouts, SLOW_CLIENTS);
      assert.equal(stats.rejected, 0);
      assert.equal(stats.inflight, 0);
      assert.equal(stats.reading, 0);
    } finally {
      if (trickle) clearInterval(trickle);
      for (const c of slow) c.socket.destroy();
      await server.close();
    }
  });

  it('the model timeout starts once the body is in: a slow but complete body is scored', { timeout: 30_000 }, async () => {
    // timeoutMs alone is shorter than the time the body takes; bodyTimeoutMs allows it.
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, bodyTimeoutMs: 10_000, timeoutMs: 500 });
    try {
      const c = await slowClient(server.port);
      for (let i = 1; i < BODY.length; i++) {
        await new Promise((r) => setTimeout(r, 1000 / BODY.length));
        c.socket.write(BODY[i]!);
      }
      await new Promise((r) => setTimeout(r, 600));
      c.socket.end();
      await c.closed;
      assert.match(c.received(), /^HTTP\/1\.1 200 /);
    } finally {
      await server.close();
    }
  });
});
