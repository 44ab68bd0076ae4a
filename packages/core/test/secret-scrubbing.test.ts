import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { resolveAuth } from '../src/config.js';
import { RestClient } from '../src/rest/rest-client.js';
import { RestStore } from '../src/rest/rest-store.js';
import { SecretScrubber } from '../src/rest/secret-scrubber.js';
import { trackingStatus } from '../src/status/tracking-status.js';
import { syncJournals } from '../src/journal/journal-sync.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

// Issue 10, "Broken or hostile peers / Credentials": a server or proxy that echoes the request
// headers in its error bodies must never put the configured secret into a message or a log.

const TOKEN = 'tok-7f3a9c1e5b';
const USER = 'alice';
const PASSWORD = 'pw-Zq8!x"y\\z';
const BASIC = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
const SECRETS = [TOKEN, PASSWORD, BASIC, encodeURIComponent(PASSWORD), JSON.stringify(PASSWORD).slice(1, -1)];

function assertClean(text: string | undefined, what: string): void {
  assert.ok(text !== undefined, `${what} is missing`);
  for (const s of SECRETS) assert.ok(!text.includes(s), `${what} leaks a secret: ${text}`);
}

/** Every text an error carries: message, stack, and the same down its cause chain. */
function errorTexts(err: unknown): string {
  const parts: string[] = [];
  for (let e = err as (Error & { underlying?: Error }) | undefined; e; e = (e.cause ?? e.underlying) as typeof e) {
    parts.push(e.message, e.stack ?? '');
  }
  return parts.join('\n');
}

describe('credentials never leave through server text (issue 10)', () => {
  const server = new RecordingServer();
  before(async () => {
    await server.start();
    // The echo: JSON error envelopes quoting the headers, plain text with the raw header, and a
    // percent-encoded copy, as proxies and debug pages do.
    server.responder = (req, res) => {
      const status = Number(/status=(\d+)/.exec(req.path)?.[1] ?? 0);
      const auth = String(req.headers.authorization ?? '');
      if (req.path.includes('plain')) {
        res.writeHead(status || 401, { 'content-type': 'text/plain' });
        res.end(`denied for Authorization: ${auth}; cookie=${encodeURIComponent(auth.split(' ')[1] ?? '')}`);
        return 'handled';
      }
      if (status) {
        return sendJson(res, status, { error_code: 'BAD_REQUEST', message: `echo ${JSON.stringify(req.headers)}` });
      }
      if (req.path.includes('runs/log-batch') || req.path.includes('experiments/search')) {
        return sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: `bad credentials: ${auth}` });
      }
      if (req.path.startsWith('/api/2.0/mlflow/runs/get')) {
        // A hostile server puts the header into the run's artifact URI, which error messages quote.
        const uri = `s3://bucket/${auth}/artifacts`;
        return sendJson(res, 200, { run: { info: { run_id: 'r'.repeat(32), experiment_id: '0', artifact_uri: uri }, data: {} } });
      }
      if (req.path === '/version') {
        res.writeHead(200);
        res.end(`3.18.0 ${auth}`);
        return 'handled';
      }
      return undefined;
    };
  });
  after(() => server.stop());

  it('SecretScrubber removes the token, the password, the Basic value and their escaped spellings', () => {
    const s = SecretScrubber.forAuth({ kind: 'basic', username: USER, password: PASSWORD });
    const out = s.scrub(`a ${PASSWORD} b Basic ${BASIC} c ${encodeURIComponent(PASSWORD)} d ${JSON.stringify(PASSWORD)}`);
    assertClean(out, 'scrubbed text');
    assert.match(out, /\[REDACTED\]/);
    assert.equal(SecretScrubber.forAuth(undefined).scrub('plain'), 'plain');
  });

  for (const status of [400, 401, 403, 500]) {
    for (const auth of [{ kind: 'bearer', token: TOKEN }, { kind: 'basic', username: USER, password: PASSWORD }] as const) {
      it(`HTTP ${status} echoing the ${auth.kind} header: message, stack and causes are clean`, async () => {
        const client = new RestClient({ baseUrl: server.url, auth, retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0, jitterMs: 0 } });
        for (const endpoint of [`x?status=${status}`, `plain?status=${status}`]) {
          const err = await client.call('GET', endpoint).then(
            () => assert.fail('expected a rejection'),
            (e: unknown) => e,
          );
          assertClean(errorTexts(err), `error for ${endpoint}`);
          assert.match((err as Error).message, /REDACTED/);
        }
        await client.close();
      });
    }
  }

  it('onError of a refused batch carries no secret', async () => {
    const errors: Error[] = [];
    const client = new RunlogClient({
      trackingUri: server.url,
      durability: 'memory',
      env: { MLFLOW_TRACKING_TOKEN: TOKEN },
      onError: (e) => errors.push(e),
    });
    client.logMetric('0123456789abcdef0123456789abcdef', 'loss', 1, { timestamp: 1, step: 0 });
    await client.flush(5000);
    await client.close(1000).catch(() => undefined);
    assert.ok(errors.length > 0, 'the refused batch reaches onError');
    for (const e of errors) assertClean(errorTexts(e), 'onError error');
  });

  it('an artifact URI quoted in an error is clean', async () => {
    const store = new RestStore({ baseUrl: server.url, auth: { kind: 'bearer', token: TOKEN } });
    const err = await store.downloadArtifacts('r'.repeat(32), 'x', '/nonexistent-runlog-dst').then(
      () => assert.fail('expected a rejection'),
      (e: unknown) => e,
    );
    assert.match((err as Error).message, /not supported/);
    assertClean(errorTexts(err), 'artifact URI error');
    await store.close();
  });

  it('runlog status: the problem line and the version are clean', async () => {
    const status = await trackingStatus({ trackingUri: server.url, env: { MLFLOW_TRACKING_TOKEN: TOKEN }, journalDir: '/nonexistent-runlog-journal' });
    assert.equal(status.authOk, false);
    assertClean(status.problem, 'status.problem');
    assertClean(status.serverVersion, 'status.serverVersion');
  });

  it('runlog sync: the problem and every warning are clean', async () => {
    // A journal left by a process whose server was away (a port nobody listens on).
    const dir = await mkdtemp(join(tmpdir(), 'runlog-scrub-journal-'));
    const offline = new RunlogClient({ trackingUri: 'http://127.0.0.1:9', journal: { dir, commitIntervalMs: 5 }, onError: () => undefined });
    const run = await offline.createRun('0');
    for (let i = 0; i < 20; i++) offline.logMetric(run.info.runId, 'm', i, { step: i });
    await offline.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 100 }).catch(() => undefined);
    await offline.close(100);
    // Synced into the echoing server, whose every API answer is a 401 quoting the header.
    const echo = new RecordingServer();
    await echo.start();
    echo.responder = (req, res) => {
      if (req.path === '/health') return undefined;
      return sendJson(res, 401, { error_code: 'UNAUTHENTICATED', message: `bad credentials: ${String(req.headers.authorization)}` });
    };
    const warnings: string[] = [];
    const results = await syncJournals({
      journal: dir,
      to: echo.url,
      timeoutMs: 3000,
      env: { MLFLOW_TRACKING_TOKEN: TOKEN },
      onWarning: (m) => warnings.push(m),
    });
    await echo.stop();
    await rm(dir, { recursive: true, force: true });
    assert.equal(results.length, 1);
    assert.notEqual(results[0]!.outcome, 'synced');
    const said = [results[0]!.problem ?? '', ...warnings].join('\n');
    assert.match(said, /REDACTED/, said);
    assertClean(said, 'sync output');
  });

  it('NODE_DEBUG=runlog retry lines carry no secret', () => {
    const script = `
      import { RestClient } from './packages/core/src/rest/rest-client.ts';
      const c = new RestClient({ baseUrl: ${JSON.stringify(server.url)}, auth: { kind: 'bearer', token: ${JSON.stringify(TOKEN)} },
        retry: { maxRetries: 1, baseDelayMs: 0, maxDelayMs: 0, jitterMs: 0 }, sleep: async () => {} });
      await c.call('GET', 'x?status=500').catch(() => {});
      await c.close();`;
    // The server runs in this process: the child must not block on it, so run it asynchronously.
    return new Promise<void>((resolve, reject) => {
      {
        const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script], {
          env: { ...process.env, NODE_DEBUG: 'runlog' },
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('close', () => {
          try {
            assert.match(stderr, /retrying GET/);
            assertClean(stderr, 'NODE_DEBUG output');
            resolve();
          } catch (e) {
            reject(e);
          }
        });
      }
    });
  });

  it('resolveAuth + RestClient do not change what is sent (the scrubber only touches received text)', async () => {
    const client = new RestClient({ baseUrl: server.url, auth: resolveAuth({ MLFLOW_TRACKING_TOKEN: TOKEN }) });
    await client.call('GET', 'ok');
    assert.equal(server.requests.at(-1)!.headers.authorization, `Bearer ${TOKEN}`);
    await client.close();
  });
});
