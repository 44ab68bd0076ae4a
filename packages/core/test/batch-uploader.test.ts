import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { BatchUploader } from '../src/batch-uploader.js';
import { RestStore } from '../src/rest/rest-store.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

const FAST_RETRY = { maxRetries: Infinity, baseDelayMs: 5, maxDelayMs: 50, jitterMs: 5 };

async function setup(opts: { concurrency?: number; maxQueueSize?: number } = {}) {
  const server = await new RecordingServer().start();
  const store = new RestStore({ baseUrl: server.url });
  const errors: Error[] = [];
  const uploader = new BatchUploader({
    store,
    concurrency: opts.concurrency ?? 2,
    batchDelayMs: 10,
    maxQueueSize: opts.maxQueueSize,
    retry: FAST_RETRY,
    onError: (e) => errors.push(e),
  });
  const cleanup = async () => {
    uploader.close();
    await store.close();
    await server.stop();
  };
  return { server, store, uploader, errors, cleanup };
}

function batches(server: RecordingServer) {
  return server.find('/runs/log-batch').map((r) => r.body);
}

describe('BatchUploader', () => {
  const cleanups: Array<() => Promise<void>> = [];
  after(async () => {
    for (const c of cleanups) await c();
  });

  it('splits 2,500 points, 150 params and 120 tags into requests within MLflow limits and sends each once', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    for (let i = 0; i < 2500; i++) t.uploader.addMetric('r1', `m${i % 3}`, i, 1000 + i, i);
    for (let i = 0; i < 150; i++) t.uploader.addParam('r1', `p${i}`, String(i));
    for (let i = 0; i < 120; i++) t.uploader.setTag('r1', `t${i}`, String(i));
    assert.equal(await t.uploader.flush(5000), true);
    const sent = batches(t.server);
    for (const b of sent) {
      assert.ok(b.metrics.length <= 1000, 'metrics per batch');
      assert.ok(b.params.length <= 100, 'params per batch');
      assert.ok(b.tags.length <= 100, 'tags per batch');
      assert.ok(b.metrics.length + b.params.length + b.tags.length <= 1000, 'entities per batch');
      assert.equal(b.run_id, 'r1');
    }
    const steps = sent.flatMap((b) => b.metrics.map((m: any) => m.step)).sort((a: number, b: number) => a - b);
    assert.deepEqual(steps, Array.from({ length: 2500 }, (_, i) => i));
    assert.equal(sent.flatMap((b) => b.params).length, 150);
    assert.deepEqual(
      sent.flatMap((b) => b.tags.map((x: any) => x.key)),
      Array.from({ length: 120 }, (_, i) => `t${i}`),
    );
    assert.equal(t.uploader.stats().sent, 2500 + 150 + 120);
    assert.equal(t.errors.length, 0);
  });

  it('sends NaN and ±Infinity as the strings MLflow expects, never null', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    t.uploader.addMetric('r', 'a', NaN, 1, 0);
    t.uploader.addMetric('r', 'a', Infinity, 2, 1);
    t.uploader.addMetric('r', 'a', -Infinity, 3, 2);
    assert.equal(await t.uploader.flush(5000), true);
    const raw = t.server.find('/runs/log-batch')[0]!.raw.toString();
    assert.ok(!raw.includes('null'), raw);
    assert.deepEqual(
      batches(t.server)[0].metrics.map((m: any) => m.value),
      ['NaN', 'Infinity', '-Infinity'],
    );
  });

  it('keeps a run’s tag operations in order, a delete waiting for earlier sets', async () => {
    const t = await setup({ concurrency: 4 });
    cleanups.push(t.cleanup);
    t.uploader.setTag('r', 'k', 'v1');
    t.uploader.deleteTag('r', 'k');
    t.uploader.setTag('r', 'k', 'v2');
    assert.equal(await t.uploader.flush(5000), true);
    const ops = t.server.requests
      .filter((r) => r.path.includes('log-batch') || r.path.includes('delete-tag'))
      .map((r) => (r.path.includes('delete-tag') ? `del:${r.body.key}` : r.body.tags.map((x: any) => `${x.key}=${x.value}`).join(',')));
    assert.deepEqual(ops, ['k=v1', 'del:k', 'k=v2']);
  });

  it('resends after 503 and 429 with Retry-After, landing each point once', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    let calls = 0;
    const landed: any[] = [];
    t.server.responder = (req, res) => {
      if (!req.path.includes('log-batch')) return;
      calls++;
      if (calls === 1) return sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' });
      if (calls === 2) return sendJson(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '0' });
      landed.push(...req.body.metrics);
      return;
    };
    for (let i = 0; i < 10; i++) t.uploader.addMetric('r', 'loss', i / 10, 100 + i, i);
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(landed.length, 10);
    assert.equal(t.uploader.stats().retries, 2);
    // The resent batch carries the timestamps fixed at log time, so a server that dedupes sees duplicates.
    assert.deepEqual(landed.map((m) => m.timestamp), Array.from({ length: 10 }, (_, i) => 100 + i));
  });

  it('retries a dropped connection', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    let dropped = false;
    t.server.responder = (req, res) => {
      if (req.path.includes('log-batch') && !dropped) {
        dropped = true;
        res.socket?.destroy();
        return 'handled';
      }
      return;
    };
    t.uploader.addMetric('r', 'x', 1, 1, 0);
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(t.uploader.stats().sent, 1);
    assert.ok(t.uploader.stats().retries >= 1);
  });

  it('isolates a record the server rejects with 400 and delivers the rest of the batch', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    const landed: string[] = [];
    t.server.responder = (req, res) => {
      if (!req.path.includes('log-batch')) return;
      if (req.body.params.some((p: any) => p.key === 'bad')) {
        return sendJson(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'Changing param values is not allowed' });
      }
      landed.push(...req.body.params.map((p: any) => p.key), ...req.body.metrics.map((m: any) => `${m.key}@${m.step}`));
      return;
    };
    t.uploader.addParam('r', 'good', '1');
    t.uploader.addParam('r', 'bad', '2');
    for (let i = 0; i < 20; i++) t.uploader.addMetric('r', 'm', i, 1, i);
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(landed.length, 21);
    assert.ok(landed.includes('good'));
    assert.equal(t.uploader.stats().failed, 1);
    assert.equal(t.errors.length, 1);
    assert.match(t.errors[0]!.message, /Changing param values/);
  });

  it('flush resolves false while the server is unreachable, and the records stay pending', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    await t.server.stop();
    for (let i = 0; i < 50; i++) t.uploader.addMetric('r', 'm', i, 1, i);
    assert.equal(await t.uploader.flush(200), false);
    assert.equal(t.uploader.pending, 50);
    assert.ok(t.uploader.stats().retries >= 1);
  });

  it('counts records dropped by a full queue and reports it once', async () => {
    const t = await setup({ maxQueueSize: 10 });
    cleanups.push(t.cleanup);
    let accepted = 0;
    for (let i = 0; i < 25; i++) if (t.uploader.addMetric('r', 'm', i, 1, i)) accepted++;
    assert.equal(accepted, 10);
    assert.equal(t.uploader.stats().dropped, 15);
    assert.equal(t.errors.length, 1);
    assert.equal((t.errors[0] as any).code, 'RUNLOG_ERR_QUEUE_FULL');
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(t.uploader.stats().sent, 10);
  });

  it('fails a whole batch with one report when the server refuses the run itself (deleted run), without bisecting', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    t.server.responder = (req, res) => {
      if (req.path.includes('log-batch')) {
        return sendJson(res, 400, { error_code: 'INVALID_PARAMETER_VALUE', message: "The run r must be in the 'active' state. Current state is deleted." });
      }
      return;
    };
    for (let i = 0; i < 1000; i++) t.uploader.addMetric('r', 'm', i, 1, i);
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(t.server.find('log-batch').length, 1);
    assert.equal(t.uploader.stats().failed, 1000);
    assert.equal(t.errors.length, 1);
  });

  it('splits a batch a proxy refuses as too large (413) and delivers it in parts', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    let landed = 0;
    t.server.responder = (req, res) => {
      if (!req.path.includes('log-batch')) return;
      if (req.body.metrics.length > 300) return sendJson(res, 413, { error_code: 'BAD_REQUEST', message: 'Request Entity Too Large' });
      landed += req.body.metrics.length;
      return;
    };
    for (let i = 0; i < 1000; i++) t.uploader.addMetric('r', 'm', i, 1, i);
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(landed, 1000);
    assert.equal(t.uploader.stats().failed, 0);
  });

  it('retries a response whose body breaks off instead of taking it as empty', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    let broken = false;
    t.server.responder = (req, res) => {
      if (req.path.includes('log-batch') && !broken) {
        broken = true;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"partial":');
        setTimeout(() => res.socket?.destroy(), 10);
        return 'handled';
      }
      return;
    };
    t.uploader.addMetric('r', 'm', 1, 1, 0);
    assert.equal(await t.uploader.flush(5000), true);
    assert.ok(t.uploader.stats().retries >= 1);
    assert.equal(t.server.find('log-batch').length, 2);
  });

  it('reports a failed deleteTag (missing tag) to onError without crashing the process', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    t.server.responder = (req, res) => {
      if (req.path.includes('delete-tag')) return sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No tag with name: nope' });
      return;
    };
    t.uploader.deleteTag('r', 'nope');
    t.uploader.setTag('r', 'after', 'still sent');
    assert.equal(await t.uploader.flush(5000), true);
    assert.equal(t.uploader.stats().failed, 1);
    assert.equal(t.errors.length, 1);
    assert.equal((t.errors[0] as any).code, 'RUNLOG_ERR_NOT_FOUND');
    assert.deepEqual(batches(t.server).flatMap((b) => b.tags.map((x: any) => x.key)), ['after']);
  });

  it('survives an onError handler that throws', async () => {
    const server = await new RecordingServer().start();
    const store = new RestStore({ baseUrl: server.url });
    const uploader = new BatchUploader({ store, maxQueueSize: 1, batchDelayMs: 5, onError: () => { throw new Error('handler bug'); } });
    uploader.addMetric('r', 'm', 1, 1, 0);
    assert.equal(uploader.addMetric('r', 'm', 2, 1, 1), false, 'dropped, and the throwing handler did not reach the caller');
    assert.equal(await uploader.flush(5000), true);
    uploader.close();
    await store.close();
    await server.stop();
  });

  it('treats flush(Infinity) as no deadline rather than an expired one', async () => {
    const t = await setup();
    cleanups.push(t.cleanup);
    t.uploader.addMetric('r', 'm', 1, 1, 0);
    assert.equal(await t.uploader.flush(Infinity), true);
  });
});
