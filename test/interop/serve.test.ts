// `runlog serve` against `mlflow models serve` (issue #6): the same request bodies, sent to the
// runlog CLI and to real MLflow 3.18 (--env-manager local) serving the same runlog-saved ONNX
// models, give the same predictions, and the malformed ones the same status codes. Ends with a
// SIGTERM to the runlog CLI while a request is in flight: it is answered and the process exits 0.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { saveModel } from 'runlog';
import { cliNodeArgs } from '../support/child-node.js';
import { ensureMlflow, freePort, startMlflowCli, type MlflowCliProcess } from '../support/mlflow-env.js';

const env = await ensureMlflow();

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures');
const CLI = join(ROOT, 'packages/runlog/src/cli.ts');

interface Served {
  url: string;
  proc: ChildProcess;
  output(): string;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.pid !== undefined && c.exitCode === null) try { process.kill(-c.pid, 'SIGKILL'); } catch { /* gone */ }
});

/**
 * Resolves once GET /ping at `url` answers 200; rejects when `exited()` says why the server is gone
 * (it exited during startup) or after 120 s.
 */
async function untilPing(url: string, what: string, exited: () => Promise<string> | undefined): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const gone = exited();
    if (gone) throw new Error(`${what} exited during startup:\n${(await gone).slice(-3000)}`);
    const ok = await fetch(`${url}/ping`).then((r) => r.status === 200, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not answer /ping within 120 s`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Spawns a server in its own process group and waits until GET /ping answers 200. */
async function startServer(cmd: string, args: string[], port: number, extraEnv: Record<string, string> = {}): Promise<Served> {
  const proc = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...process.env, MLFLOW_DISABLE_TELEMETRY: 'true', DO_NOT_TRACK: 'true', ...extraEnv },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await untilPing(url, cmd, () => (proc.exitCode !== null ? Promise.resolve(out) : undefined));
  return { url, proc, output: () => out };
}

/**
 * `mlflow models serve -m <dir> --env-manager local` (run as runMlflowCli runs the CLI; the venv's
 * uvicorn, which it starts, found on PATH), once GET /ping answers 200.
 */
async function startMlflowServe(dir: string, port: number): Promise<{ url: string; cli: MlflowCliProcess }> {
  const cli = startMlflowCli(env!, ['models', 'serve', '-m', dir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port)], {
    cwd: ROOT,
    env: { PATH: `${dirname(env!.python)}:${process.env.PATH ?? ''}` },
    // A hang guard for the whole file; after() stops it long before.
    timeoutMs: 30 * 60_000,
  });
  let gone: Promise<string> | undefined;
  void cli.exited.then(
    (r) => (gone = Promise.resolve(`exit ${r.code}\n${r.stdout}${r.stderr}`)),
    (err: Error) => (gone = Promise.resolve(err.message)),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilPing(url, 'mlflow models serve', () => gone);
  } catch (err) {
    await cli.stop();
    throw err;
  }
  return { url, cli };
}

async function stopServer(s: Served | undefined): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.pid === undefined) return;
  const exited = once(s.proc, 'exit');
  try {
    process.kill(-s.proc.pid, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}

async function post(url: string, body: string, contentType = 'application/json'): Promise<{ status: number; json: any; text: string }> {
  const r = await fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': contentType }, body });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, json, text };
}

/** Float32 outputs travel as doubles on both sides; allow a float32 ulp for kernel differences. */
function assertClose(actual: unknown, expected: unknown, path: string): void {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, `${path}[${i}]`));
  } else if (expected !== null && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), path);
    for (const [k, v] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[k], v, `${path}.${k}`);
  } else if (typeof expected === 'number' && typeof actual === 'number') {
    assert.ok(Math.abs(actual - expected) <= 1e-6 * Math.max(1, Math.abs(expected)), `${path}: ${actual} != ${expected}`);
  } else assert.equal(actual, expected, path);
}

const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 0.25, 8],
  [0, 0, 0, 0],
];
const A = [
  [1, 2, 3],
  [0.5, -2, 10],
];
const B = [
  [4, 5, 6],
  [1, 1, 1],
];

/** [model, content type, body] — each must answer the same way on both servers. */
const SAME: Array<[string, string, string]> = [
  ['linear', 'application/json', JSON.stringify({ inputs: X })],
  ['linear', 'application/json', JSON.stringify({ inputs: { x: X } })],
  ['linear', 'application/json', JSON.stringify({ instances: X })],
  ['linear', 'application/json', JSON.stringify({ instances: X.map((x) => ({ x })) })],
  ['linear', 'application/json', JSON.stringify({ dataframe_split: { columns: ['x'], data: X.map((x) => [x]) } })],
  ['linear', 'application/json', JSON.stringify({ dataframe_records: X.map((x) => ({ x })) })],
  ['linear', 'application/json; charset=utf-8', JSON.stringify({ inputs: X, params: { ignored: 1 } })],
  ['two', 'application/json', JSON.stringify({ inputs: { a: A, b: B } })],
  ['two', 'application/json', JSON.stringify({ inputs: { a: A, b: B, extra: [[1]] } })],
  ['two', 'application/json', JSON.stringify({ instances: [{ a: A[0], b: B[0] }, { a: A[1], b: B[1] }] })],
  ['two', 'application/json', JSON.stringify({ dataframe_split: { columns: ['a', 'b'], data: [[A[0], B[0]], [A[1], B[1]]] } })],
  ['cols', 'application/json', JSON.stringify({ dataframe_split: { columns: ['u', 'k'], data: [[1.5, 2], [0, 3], [-4.25, 7]] } })],
  ['cols', 'application/json', JSON.stringify({ dataframe_records: [{ u: 1.5, k: 2 }, { u: 0, k: 3 }] })],
  ['cols', 'application/json', JSON.stringify({ inputs: { u: [1.5, 0], k: [2, 3] } })],
  ['cols', 'application/json', JSON.stringify({ instances: [{ u: 1.5, k: 2 }, { u: 0, k: 3 }] })],
  ['cols', 'text/csv', 'u,k\n1.5,2\n0,3\n'],
  ['cols', 'text/csv', 'k,u,note\n2,1.5,a\n3,0,b\n'],
  // Errors: the status codes must agree.
  ['linear', 'application/json', '{"inputs": [[1,2'],
  ['linear', 'application/json', '[[1,2,3,4]]'],
  ['linear', 'application/json', '"text"'],
  ['linear', 'application/json', '{"data": [[1,2,3,4]]}'],
  ['linear', 'application/json', JSON.stringify({ inputs: X, instances: X })],
  ['linear', 'application/json', JSON.stringify({ inputs: [[1, 2, 3]] })],
  ['linear', 'application/json', JSON.stringify({ inputs: [1, 2, 3, 4] })],
  ['linear', 'application/json', JSON.stringify({ inputs: [['a', 'b', 'c', 'd']] })],
  ['linear', 'application/json', JSON.stringify({ dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: X } })],
  ['linear', 'application/json', JSON.stringify({ dataframe_split: [[1, 2, 3, 4]] })],
  ['linear', 'application/json', JSON.stringify({ dataframe_records: { x: 1 } })],
  ['linear', 'text/csv', 'a,b,c,d\n1,2,3,4\n'],
  ['linear', 'text/plain', JSON.stringify({ inputs: X })],
  ['linear', 'application/json; charset=latin-1', JSON.stringify({ inputs: X })],
  ['linear', 'application/json; format=pandas-split', JSON.stringify({ inputs: X })],
  ['two', 'application/json', JSON.stringify({ inputs: { a: A } })],
  ['two', 'application/json', JSON.stringify({ inputs: A })],
  ['cols', 'text/csv', 'u,k\n1.5,x\n'],
  ['cols', 'text/csv', 'u\n1.5\n'],
  ['cols', 'application/json', JSON.stringify({ dataframe_records: [{ u: 'a', k: 1 }] })],
];

describe('runlog serve vs mlflow models serve (MLflow 3.18, same models)', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let work: string;
  const runlogServers: Record<string, Served> = {};
  const mlflowServers: Record<string, { url: string; cli: MlflowCliProcess }> = {};

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'runlog-serve-interop-'));
    const models: Record<string, string> = { linear: join(work, 'linear'), two: join(work, 'two'), cols: join(work, 'cols') };
    await saveModel(join(FIXTURES, 'onnx-linear.onnx'), models.linear!, { inputExample: X });
    await saveModel(join(FIXTURES, 'onnx-two-input.onnx'), models.two!, { inputExample: { a: A, b: B } });
    await saveModel(join(ROOT, 'packages/serve/test/fixtures/onnx-columns.onnx'), models.cols!, {
      signature: {
        inputs: { kind: 'column', inputs: [{ type: 'float', name: 'u', required: true }, { type: 'long', name: 'k', required: true }] },
        outputs: {
          kind: 'tensor',
          inputs: [
            { type: 'tensor', name: 'w', tensorSpec: { dtype: 'float32', shape: [-1] } },
            { type: 'tensor', name: 'd', tensorSpec: { dtype: 'int64', shape: [-1] } },
          ],
        },
      },
    });
    await Promise.all(
      Object.entries(models).flatMap(([name, dir]) => [
        (async () => {
          const port = await freePort();
          mlflowServers[name] = await startMlflowServe(dir, port);
        })(),
        (async () => {
          const port = await freePort();
          runlogServers[name] = await startServer(process.execPath, cliNodeArgs('serve', '-m', dir, '-p', String(port), ...(name === 'linear' ? ['--max-wait-ms', '200'] : [])), port, {
            NODE_DEBUG: 'runlog',
          });
        })(),
      ]),
    );
  });

  after(async () => {
    await Promise.all([...Object.values(runlogServers).map(stopServer), ...Object.values(mlflowServers).map((s) => s.cli.stop())]);
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('GET /ping, /health and /version answer 200 on both', async () => {
    for (const path of ['/ping', '/health', '/version']) {
      const [r, m] = await Promise.all([fetch(`${runlogServers.linear!.url}${path}`), fetch(`${mlflowServers.linear!.url}${path}`)]);
      assert.equal(r.status, 200);
      assert.equal(m.status, 200);
      assert.equal(await r.text(), await m.text(), path);
    }
  });

  for (const [i, [model, contentType, body]] of SAME.entries()) {
    it(`#${i} ${model} ${contentType} ${body.length > 70 ? body.slice(0, 70) + '…' : body}`, async () => {
      const [r, m] = await Promise.all([post(runlogServers[model]!.url, body, contentType), post(mlflowServers[model]!.url, body, contentType)]);
      assert.equal(r.status, m.status, `runlog ${r.status} ${r.text.slice(0, 300)}\nmlflow ${m.status} ${m.text.slice(0, 300)}`);
      if (m.status === 200) assertClose(r.json, m.json, 'body');
      else assert.ok(typeof r.json?.error_code === 'string' && typeof r.json?.message === 'string', r.text);
    });
  }

  it('runlog serve answers a request in flight after SIGTERM, then exits 0', async () => {
    const served = runlogServers.linear!;
    // With --max-wait-ms 200 a lone request waits for company in the batch queue; the debug line
    // says it is queued, so SIGTERM lands while it is in flight.
    const before = served.output().length;
    const reply = post(served.url, JSON.stringify({ inputs: X }));
    while (!served.output().slice(before).includes('serve: queued')) await new Promise((r) => setTimeout(r, 10));
    const exited = once(served.proc, 'exit');
    process.kill(served.proc.pid!, 'SIGTERM');
    const r = await reply;
    assert.equal(r.status, 200, r.text);
    const [code] = await exited;
    assert.equal(code, 0, served.output().slice(-2000));
    assert.match(served.output(), /SIGTERM, finishing requests in flight[\s\S]*stopped/);
  });
});
