import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { resolveTls } from '../src/config.js';
import { NetworkError } from '../src/errors.js';
import { RestClient } from '../src/rest/rest-client.js';

// A self-signed certificate for 127.0.0.1, made for these tests only (openssl req -x509, 100 years).
const CERT_PATH = fileURLToPath(new URL('./support/test-tls.crt', import.meta.url));
const KEY_PATH = fileURLToPath(new URL('./support/test-tls.key', import.meta.url));
const NO_RETRY = { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, jitterMs: 0 };

describe('TLS settings (MLFLOW_TRACKING_SERVER_CERT_PATH, MLFLOW_TRACKING_INSECURE_TLS)', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer({ cert: readFileSync(CERT_PATH), key: readFileSync(KEY_PATH) }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses an untrusted certificate by default', async () => {
    const client = new RestClient({ baseUrl: url, tls: resolveTls({}), retry: NO_RETRY });
    await assert.rejects(client.call('GET', 'experiments/search'), NetworkError);
    await client.close();
  });

  it('trusts the CA bundle named by MLFLOW_TRACKING_SERVER_CERT_PATH', async () => {
    const client = new RestClient({ baseUrl: url, tls: resolveTls({ MLFLOW_TRACKING_SERVER_CERT_PATH: CERT_PATH }), retry: NO_RETRY });
    assert.deepEqual(await client.call('GET', 'experiments/search'), { ok: true });
    await client.close();
  });

  it('skips verification with MLFLOW_TRACKING_INSECURE_TLS=true, and refuses both settings together', async () => {
    const client = new RestClient({ baseUrl: url, tls: resolveTls({ MLFLOW_TRACKING_INSECURE_TLS: 'true' }), retry: NO_RETRY });
    assert.deepEqual(await client.call('GET', 'experiments/search'), { ok: true });
    await client.close();
    assert.throws(
      () => resolveTls({ MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: CERT_PATH }),
      /cannot be set together/,
    );
    assert.throws(() => resolveTls({ MLFLOW_TRACKING_INSECURE_TLS: 'yes' }), /true, false, 1, 0/);
  });
});
