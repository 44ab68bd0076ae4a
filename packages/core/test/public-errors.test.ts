// No internal error class escapes a public method (issue #11): RetryableError is the uploader's
// signal to back off; users get the documented hierarchy (NetworkError, MlflowServerError, …).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { ERROR_CODES, NetworkError, RetryableError, RunlogError } from '../src/errors.js';

/** A loopback port nothing listens on (connections are refused at once). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function assertPublic(err: unknown): void {
  assert.ok(err instanceof RunlogError, String(err));
  assert.equal(err instanceof RetryableError, false, `${(err as Error).name} escaped: ${(err as Error).message}`);
  assert.ok(
    Object.values(ERROR_CODES).some((cls) => err.constructor === cls),
    `${err.constructor.name} is not one of the documented error classes`,
  );
}

describe('errors of public client methods', () => {
  it('a run started while the server is down: reads and server-side calls reject with NetworkError, not RetryableError; artifacts are staged', async () => {
    const uri = `http://127.0.0.1:${await closedPort()}`;
    const client = new RunlogClient({
      trackingUri: uri,
      journal: { dir: mkdtempSync(join(tmpdir(), 'runlog-public-errors-')) },
      readFlushTimeoutMs: 10,
      uploader: { retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, jitterMs: 0 } },
    });
    try {
      const run = await client.createRun('0'); // offline: a local id
      const calls: Array<[string, () => Promise<unknown>]> = [
        ['getRun', () => client.getRun(run.info.runId)],
        ['getMetricHistory', () => client.getMetricHistory(run.info.runId, 'loss')],
        ['listArtifacts', () => client.listArtifacts(run.info.runId)],
        ['deleteRun', () => client.deleteRun(run.info.runId)],
      ];
      for (const [name, call] of calls) {
        const err = await call().then(
          () => assert.fail(`${name} resolved with the server down`),
          (e: unknown) => e,
        );
        assertPublic(err);
        assert.ok(err instanceof NetworkError, `${name}: ${(err as Error).name}`);
      }
      // Issue 10: an artifact logged while the server is away is staged in the journal, not refused.
      await client.logText(run.info.runId, 'x', 'x.txt');
    } finally {
      await client.close(100);
    }
  });
});
