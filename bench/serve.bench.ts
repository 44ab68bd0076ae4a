/**
 * Serving benchmark (issue #6), BENCH_ONLY=serve. One small ONNX model (test/fixtures/onnx-linear,
 * 4 → 3 floats), one-row `{"inputs": [[...]]}` requests, autocannon on loopback, each point
 * bounded in time (BENCH_SERVE_SECONDS, default 5 s), at concurrencies 1, 16, 64
 * (BENCH_SERVE_CONNECTIONS). Three servers, each a child process so the load generator does not
 * share its thread:
 *   - `runlog serve` (the CLI, dynamic batching on, the default), and with --no-batching;
 *   - `mlflow models serve --env-manager local` (MLflow 3.18, one uvicorn worker, its default);
 *   - a minimal node:http server calling onnxruntime-node directly: JSON.parse, one
 *     session.run per request, JSON.stringify — no protocol checks, no signature, no batching.
 * Prints requests/s and p99 latency per point and the ratios runlog / MLflow (target >= 10x) and
 * runlog / minimal (target >= 0.8x). Nothing is asserted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { saveModel } from 'runlog';
import { ensureMlflow, freePort } from '../test/support/mlflow-env.js';
import { line, ratio } from './stats.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BODY = JSON.stringify({ inputs: [[1, 2, 3, 4]] });

/** The minimal baseline: what a hand-written Node server around onnxruntime-node does. */
const MINIMAL_SERVER = `
import { createServer } from 'node:http';
import * as ort from 'onnxruntime-node';
const [model, port] = process.argv.slice(-2);
const session = await ort.InferenceSession.create(model);
const input = session.inputNames[0];
createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const rows = JSON.parse(Buffer.concat(chunks).toString()).inputs;
      const x = new ort.Tensor('float32', Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
      const out = await session.run({ [input]: x });
      const predictions = {};
      for (const [name, t] of Object.entries(out)) {
        const [n, m] = t.dims;
        const flat = Array.from(t.data);
        predictions[name] = Array.from({ length: n }, (_, r) => flat.slice(r * m, (r + 1) * m));
      }
      const body = JSON.stringify({ predictions });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch (err) {
      res.writeHead(400);
      res.end(String(err));
    }
  });
}).listen(Number(port), '127.0.0.1');
`;

interface Child {
  name: string;
  url: string;
  proc: ChildProcess;
}

async function start(name: string, cmd: string, args: string[], port: number, env: Record<string, string> = {}): Promise<Child> {
  const proc = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true', ...env }, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-3000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited: ${err}`);
    if (await fetch(`${url}/ping`, { method: 'GET' }).then((r) => r.status < 500, () => false)) break;
    if (Date.now() > deadline) throw new Error(`${name} did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // Check it scores.
  const check = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  if (check.status !== 200) throw new Error(`${name} answered ${check.status}: ${await check.text()}`);
  return { name, url, proc };
}

async function stop(c: Child | undefined): Promise<void> {
  if (!c || c.proc.exitCode !== null) return;
  const exited = once(c.proc, 'exit');
  try {
    process.kill(-c.proc.pid!, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}

interface Point {
  rps: number;
  p99: number;
  errors: number;
}

async function load(url: string, connections: number, seconds: number): Promise<Point> {
  const result = await autocannon({
    url: `${url}/invocations`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: BODY,
    connections,
    duration: seconds,
    timeout: 30,
  });
  return { rps: result.requests.average, p99: result.latency.p99, errors: result.errors + result.timeouts + result.non2xx };
}

export async function serveBench(): Promise<void> {
  const seconds = Number(process.env.BENCH_SERVE_SECONDS ?? 5);
  const concurrencies = (process.env.BENCH_SERVE_CONNECTIONS ?? '1,16,64').split(',').map(Number);
  console.log(`\nServing (issue #6): onnx-linear, 1-row requests, ${seconds} s per point, autocannon on loopback`);
  const work = await mkdtemp(join(tmpdir(), 'runlog-serve-bench-'));
  const model = join(work, 'model');
  await saveModel(join(ROOT, 'test/fixtures/onnx-linear.onnx'), model, { inputExample: [[1, 2, 3, 4]] });
  const env = await ensureMlflow();
  const children: Child[] = [];
  try {
    const runlogPort = await freePort();
    children.push(await start('runlog serve', process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/runlog/src/cli.ts'), 'serve', '-m', model, '-p', String(runlogPort)], runlogPort));
    const unbatchedPort = await freePort();
    children.push(await start('runlog serve --no-batching', process.execPath, ['--conditions=source', '--import', 'tsx', join(ROOT, 'packages/runlog/src/cli.ts'), 'serve', '-m', model, '-p', String(unbatchedPort), '--no-batching'], unbatchedPort));
    const minimalPort = await freePort();
    children.push(await start('minimal node:http + onnxruntime-node', process.execPath, ['--input-type=module', '-e', MINIMAL_SERVER, join(model, 'model.onnx'), String(minimalPort)], minimalPort));
    if (env) {
      const mlflowPort = await freePort();
      children.push(
        await start('mlflow models serve', env.mlflowBin, ['models', 'serve', '-m', model, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(mlflowPort)], mlflowPort, {
          PATH: `${dirname(env.python)}:${process.env.PATH ?? ''}`,
        }),
      );
    } else console.log('  (MLflow unavailable: mlflow models serve skipped)');

    const table = new Map<string, Map<number, Point>>();
    for (const c of children) {
      // Warm-up (JIT, lazy paths, the connection pool) before the measured points.
      await load(c.url, 16, 3);
      await load(c.url, 1, 1);
      const points = new Map<number, Point>();
      for (const n of concurrencies) points.set(n, await load(c.url, n, seconds));
      table.set(c.name, points);
    }
    const fmt = (p: Point | undefined) => (p ? `${Math.round(p.rps).toLocaleString('en-US')} req/s, p99 ${p.p99 || '<1'} ms${p.errors ? `, ${p.errors} errors` : ''}` : 'n/a');
    for (const n of concurrencies) {
      console.log(`  concurrency ${n}`);
      const r = table.get('runlog serve')?.get(n);
      const m = table.get('mlflow models serve')?.get(n);
      const b = table.get('minimal node:http + onnxruntime-node')?.get(n);
      line('runlog serve', fmt(r));
      line('runlog serve --no-batching', fmt(table.get('runlog serve --no-batching')?.get(n)));
      line('mlflow models serve (1 worker)', fmt(m), m && r ? `runlog = ${ratio(r.rps, m.rps)} (target >= 10x)` : '');
      line('minimal node:http + onnxruntime-node', fmt(b), b && r ? `runlog = ${ratio(r.rps, b.rps)} (target >= 0.8x)` : '');
    }
  } finally {
    await Promise.all(children.map(stop));
    await rm(work, { recursive: true, force: true });
  }
}
