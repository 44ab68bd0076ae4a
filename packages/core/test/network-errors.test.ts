import assert from 'node:assert/strict';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { CredentialsRefusedError, NetworkError } from '../src/errors.js';
import { RestClient } from '../src/rest/rest-client.js';
import { classifyNetworkFailure } from '../src/rest/network-failure.js';
import { trackingStatus } from '../src/status/tracking-status.js';
import { deadPort } from './support/dead-port.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

// Issue 10 ("Training never waits on an absent server"): each way of not reaching the server gets
// its own reason and message; foreground calls give up on a server that is away within seconds.

describe('network failures are told apart (issue 10)', () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const c of closers) await c();
  });

  it('connection refused: one clear NetworkError after a single retry, not seven', async () => {
    const port = await deadPort();
    const sleeps: number[] = [];
    const client = new RestClient({ baseUrl: `http://127.0.0.1:${port}`, sleep: async (ms) => void sleeps.push(ms) });
    const err = await client.call('POST', 'runs/search', { body: {} }).catch((e: unknown) => e);
    await client.close();
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(err.reason, 'refused');
    assert.match(err.message, /Connection refused by http:\/\/127\.0\.0\.1:\d+ \(POST runs\/search\): no MLflow server is listening/);
    assert.equal(sleeps.length, 1, 'retried once');
  });

  it('an https:// URI pointed at a plain-http server is a TLS mismatch, reported at once and never retried', async () => {
    const server = await new RecordingServer().start();
    closers.push(() => server.stop());
    const sleeps: number[] = [];
    const client = new RestClient({ baseUrl: server.url.replace('http:', 'https:'), sleep: async (ms) => void sleeps.push(ms) });
    const err = await client.call('GET', 'experiments/search').catch((e: unknown) => e);
    await client.close();
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(err.reason, 'tls');
    assert.match(err.message, /TLS handshake with https:\/\/127\.0\.0\.1:\d+ failed .*use http:\/\//);
    assert.deepEqual(sleeps, []);
  });

  it('a server that never completes the connection hits the connect timeout, not the 120 s request timeout', async () => {
    // A TCP server that accepts and stays silent: the TLS handshake of an https:// client never ends.
    const sockets: Socket[] = [];
    const silent: Server = createTcpServer((s) => void sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const client = new RestClient({
      baseUrl: `https://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      connectTimeoutMs: 200,
      retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, jitterMs: 0 },
    });
    const err = await client.call('GET', 'experiments/search').catch((e: unknown) => e);
    await client.close();
    assert.ok(err instanceof NetworkError, String(err));
    assert.equal(err.reason, 'connect-timeout');
    assert.match(err.message, /did not accept a connection within 200 ms/);
  });

  it('401 and 403 are "credentials refused", typed, and not an outage', async () => {
    const server = await new RecordingServer().start();
    closers.push(() => server.stop());
    server.responder = (req, res) =>
      req.path.includes('runs/search')
        ? sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: 'bad token' })
        : sendJson(res, 403, { error_code: 'PERMISSION_DENIED', message: 'no access' });
    const client = new RestClient({ baseUrl: server.url });
    const e401 = await client.call('POST', 'runs/search', { body: {} }).catch((e: unknown) => e);
    const e403 = await client.call('GET', 'experiments/get').catch((e: unknown) => e);
    await client.close();
    assert.ok(e401 instanceof CredentialsRefusedError && e401.status === 401, String(e401));
    assert.match(e401.message, /Credentials refused: the server refused the credentials/);
    assert.ok(e403 instanceof CredentialsRefusedError && e403.status === 403, String(e403));
    assert.doesNotMatch(e403.message, /reach|unreachable/i);
    assert.equal(server.find('runs/search').length, 1, 'not retried');
  });

  it('DNS failures and resets have their own reason', () => {
    assert.equal(classifyNetworkFailure(Object.assign(new Error('getaddrinfo ENOTFOUND nohost.invalid'), { code: 'ENOTFOUND' })), 'dns');
    assert.equal(classifyNetworkFailure(Object.assign(new Error('getaddrinfo EAI_AGAIN x'), { code: 'EAI_AGAIN' })), 'dns');
    assert.equal(classifyNetworkFailure(Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: { code: 'ECONNRESET' } })), 'reset');
    assert.equal(classifyNetworkFailure(Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'timeout');
  });

  it('runlog status names the same cause: TLS mismatch, refused connection, refused credentials', async () => {
    const plain = await new RecordingServer().start();
    closers.push(() => plain.stop());
    plain.responder = (req, res) => (req.path.includes('experiments/search') ? sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: 'x' }) : undefined);
    const env = { RUNLOG_JOURNAL_DIR: '/nonexistent-runlog-journal' };
    const tls = await trackingStatus({ trackingUri: plain.url.replace('http:', 'https:'), env });
    assert.equal(tls.problemKind, 'tls');
    const refused = await trackingStatus({ trackingUri: `http://127.0.0.1:${await deadPort()}`, env });
    assert.equal(refused.problemKind, 'refused');
    assert.match(refused.problem ?? '', /Connection refused/);
    const creds = await trackingStatus({ trackingUri: plain.url, env });
    assert.equal(creds.reachable, true);
    assert.equal(creds.problemKind, 'credentials');
    assert.match(creds.problem ?? '', /Credentials refused/);
  });
});
