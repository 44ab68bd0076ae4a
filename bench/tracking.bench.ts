/**
 * Issue #2 benchmark: the cost of logMetric on the caller, and points per second landed by runlog
 * vs Python MLflow's client vs the server's own ceiling, all against one real MLflow server in one
 * run; then the local store vs a raw appendFile of the same bytes.
 */
import { appendFile, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { RunlogClient } from 'runlog';
import { ensureMlflow, runPython, startMlflowServer, type MlflowEnv, type MlflowServer } from '../test/support/mlflow-env.js';
import { fmtRate, line, median, ratio } from './stats.js';

const KEYS = 10;

export async function trackingBench(opts: { steps: number }): Promise<Record<string, number>> {
  const figures: Record<string, number> = {};
  console.log('\n== tracking (issue #2) ==');

  // (1) caller cost of logMetric: enqueue only. Median over repetitions of 200k calls.
  {
    const dir = await mkdtemp(join(tmpdir(), 'runlog-bench-'));
    const client = new RunlogClient({ trackingUri: dir, uploader: { maxQueueSize: 50_000_000 } });
    const exp = '0';
    const run = await client.createRun(exp);
    const keys = Array.from({ length: KEYS }, (_, i) => `metric_${i}`);
    const samples: number[] = [];
    let step = 0;
    for (let rep = 0; rep < 25; rep++) {
      const n = 200_000;
      const t = process.hrtime.bigint();
      for (let i = 0; i < n; i++) client.logMetric(run.info.runId, keys[i % KEYS]!, i * 0.5, { step: step++ });
      samples.push(Number(process.hrtime.bigint() - t) / n);
      await client.flush(120_000);
    }
    figures.logMetricNs = median(samples.slice(5));
    line('logMetric caller cost (median, ns/call)', `${figures.logMetricNs.toFixed(0)} ns`, '(target < 300 ns)');
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }

  const env = await ensureMlflow();
  if (!env) {
    console.log('  MLflow interop environment unavailable: server comparisons skipped');
    return figures;
  }
  const server = await startMlflowServer(env);
  try {
    const total = KEYS * opts.steps;
    // The server slows as its database grows, so the anchors are measured before AND after the
    // runlog run (A-B-A) and averaged: drift cannot favour either side.
    const ceilingRequests = Math.max(60, Math.round(total / 1000 / 10));
    const batchPoints = Math.max(20_000, Math.round(total / 10));
    const ceilingBefore = await serverCeiling(server, ceilingRequests);
    const batchBefore = await pythonBatchRate(env, server, batchPoints);

    // (2) runlog: every point through logMetric, from the first call until endRun returns.
    figures.runlog = await runlogToServer(server, opts.steps);

    const batchAfter = await pythonBatchRate(env, server, batchPoints);
    const ceilingAfter = await serverCeiling(server, ceilingRequests);
    figures.pyBatch = (batchBefore + batchAfter) / 2;
    figures.ceiling = (ceilingBefore + ceilingAfter) / 2;

    // (3) Python client, as its users use it: one log_metric call per point.
    const py = await pythonPerPointRates(env, server);
    Object.assign(figures, py);

    line(`runlog, ${total.toLocaleString('en-US')} points (first call → endRun)`, fmtRate(figures.runlog));
    line('python log_metric per point, synchronous', fmtRate(py.pySync));
    line('python log_metric per point, synchronous=False (async)', fmtRate(py.pyAsync));
    line(`python log_batch, chunks of 1000 (mean of before/after)`, fmtRate(figures.pyBatch), `(${fmtRate(batchBefore)} / ${fmtRate(batchAfter)})`);
    line('server ceiling, pre-encoded 1000-metric log-batch (mean)', fmtRate(figures.ceiling), `(${fmtRate(ceilingBefore)} / ${fmtRate(ceilingAfter)})`);

    console.log('  ratios:');
    line('runlog / python per-point sync', ratio(figures.runlog, py.pySync), '(target >= 20x)');
    line('runlog / python per-point async', ratio(figures.runlog, py.pyAsync), '(target >= 20x)');
    line('runlog / python log_batch', ratio(figures.runlog, figures.pyBatch), '(target >= 1x)');
    line('runlog / server ceiling', ratio(figures.runlog, figures.ceiling), '(target >= 0.8x)');
  } finally {
    await server.stop();
  }

  // (5) local store vs raw appendFile of the same bytes.
  const local = await localStoreBench(opts.steps);
  Object.assign(figures, local);
  line(`local ./mlruns store, ${(KEYS * opts.steps).toLocaleString('en-US')} points`, fmtRate(local.fileStore));
  line('raw appendFile of the same bytes (one write per key per 1000)', fmtRate(local.rawAppend));
  line('local store / raw appendFile', ratio(local.fileStore, local.rawAppend));
  return figures;
}

async function runlogToServer(server: MlflowServer, steps: number): Promise<number> {
  const client = new RunlogClient({ trackingUri: server.uri, uploader: { maxQueueSize: 50_000_000 } });
  const run = await client.createRun('0', { runName: 'bench-runlog' });
  const keys = Array.from({ length: KEYS }, (_, i) => `metric_${i}`);
  const t = performance.now();
  for (let step = 0; step < steps; step++) {
    for (let k = 0; k < KEYS; k++) client.logMetric(run.info.runId, keys[k]!, step * 0.001 + k, { step });
  }
  await client.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 30 * 60_000 });
  const seconds = (performance.now() - t) / 1000;
  const stats = client.stats();
  await client.close();
  if (stats.sent !== KEYS * steps) throw new Error(`runlog landed ${stats.sent} of ${KEYS * steps} points`);
  return (KEYS * steps) / seconds;
}

/** Per-point ways, measured on a sample: they are orders of magnitude slower; a rate is a rate. */
async function pythonPerPointRates(env: MlflowEnv, server: MlflowServer): Promise<{ pySync: number; pyAsync: number }> {
  return runPython(
    env,
    `
import json, time, mlflow
mlflow.set_tracking_uri(${JSON.stringify(server.uri)})
K = ${KEYS}
def per_point(n, synchronous):
    with mlflow.start_run(run_name='bench-py-%s' % ('sync' if synchronous else 'async')):
        t = time.perf_counter()
        for i in range(n):
            mlflow.log_metric('metric_%d' % (i % K), i * 0.5, step=i // K, synchronous=synchronous)
        if not synchronous:
            mlflow.flush_async_logging()
    return n / (time.perf_counter() - t)
print(json.dumps({'pySync': per_point(1500, True), 'pyAsync': per_point(5000, False)}))
`,
    { timeoutMs: 60 * 60_000 },
  );
}

/** Python's fastest way: MlflowClient.log_batch with 1000 metrics per call, sequentially. */
async function pythonBatchRate(env: MlflowEnv, server: MlflowServer, points: number): Promise<number> {
  const out = await runPython(
    env,
    `
import json, time
from mlflow import MlflowClient
from mlflow.entities import Metric
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
K = ${KEYS}
rid = c.create_run('0', run_name='bench-py-batch').info.run_id
n = ${points}
t = time.perf_counter()
now = int(time.time() * 1000)
buf = []
for i in range(n):
    buf.append(Metric('metric_%d' % (i % K), i * 0.5, now, i // K))
    if len(buf) == 1000:
        c.log_batch(rid, metrics=buf)
        buf = []
if buf:
    c.log_batch(rid, metrics=buf)
rate = n / (time.perf_counter() - t)
c.set_terminated(rid)
print(json.dumps({'rate': rate}))
`,
    { timeoutMs: 60 * 60_000 },
  );
  return out.rate as number;
}

/** Sends pre-encoded 1000-metric log-batch bodies at several concurrencies; the best rate wins. */
async function serverCeiling(server: MlflowServer, requests: number): Promise<number> {
  const client = new RunlogClient({ trackingUri: server.uri });
  const run = await client.createRun('0', { runName: 'bench-ceiling' });
  await client.close();
  const bodies: string[] = [];
  const now = Date.now();
  for (let r = 0; r < requests; r++) {
    const metrics = [];
    for (let i = 0; i < 1000; i++) {
      const step = r * 100 + Math.floor(i / KEYS);
      metrics.push({ key: `metric_${i % KEYS}`, value: step * 0.001, timestamp: now, step });
    }
    bodies.push(JSON.stringify({ run_id: run.info.runId, metrics, params: [], tags: [] }));
  }
  const url = new URL(server.uri);
  const agent = new Agent({ connections: 16 });
  let best = 0;
  for (const concurrency of [1, 2, 4]) {
    const slice = bodies.splice(0, Math.floor(requests / 3));
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < slice.length) {
          const body = slice[next++]!;
          const res = await agent.request({
            origin: url.origin,
            path: '/api/2.0/mlflow/runs/log-batch',
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          });
          await res.body.arrayBuffer();
          if (res.statusCode !== 200) throw new Error(`ceiling request failed: HTTP ${res.statusCode}`);
        }
      }),
    );
    const rate = (slice.length * 1000) / ((performance.now() - t) / 1000);
    best = Math.max(best, rate);
  }
  await agent.close();
  return best;
}

async function localStoreBench(steps: number): Promise<{ fileStore: number; rawAppend: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'runlog-bench-local-'));
  const client = new RunlogClient({ trackingUri: join(dir, 'mlruns'), uploader: { maxQueueSize: 50_000_000 } });
  const run = await client.createRun('0');
  const keys = Array.from({ length: KEYS }, (_, i) => `metric_${i}`);
  const ts = Date.now();
  const t = performance.now();
  for (let step = 0; step < steps; step++) {
    for (let k = 0; k < KEYS; k++) client.logMetric(run.info.runId, keys[k]!, step * 0.001 + k, { step, timestamp: ts });
  }
  await client.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 30 * 60_000 });
  const fileStore = (KEYS * steps) / ((performance.now() - t) / 1000);
  await client.close();

  // The same bytes, written the cheapest sensible way: one appendFile per key per 1000 points.
  const metricsDir = join(dir, 'mlruns', '0', run.info.runId, 'metrics');
  const sizes = await Promise.all((await readdir(metricsDir)).map(async (f) => (await stat(join(metricsDir, f))).size));
  const rawDir = await mkdtemp(join(tmpdir(), 'runlog-bench-raw-'));
  const perKeyLines = steps;
  const t2 = performance.now();
  for (let start = 0; start < perKeyLines; start += 100) {
    for (let k = 0; k < KEYS; k++) {
      let chunk = '';
      for (let step = start; step < Math.min(perKeyLines, start + 100); step++) chunk += `${ts} ${step * 0.001 + k} ${step}\n`;
      await appendFile(join(rawDir, keys[k]!), chunk);
    }
  }
  const rawAppend = (KEYS * steps) / ((performance.now() - t2) / 1000);
  const rawSize = (await Promise.all(keys.map(async (k) => (await stat(join(rawDir, k))).size))).reduce((a, b) => a + b, 0);
  const storeSize = sizes.reduce((a, b) => a + b, 0);
  line('  bytes written: store vs raw', `${storeSize} vs ${rawSize}`);
  await rm(dir, { recursive: true, force: true });
  await rm(rawDir, { recursive: true, force: true });
  return { fileStore, rawAppend };
}
