/**
 * Issue 10 benchmark, BENCH_ONLY=artifacts: peak RSS of a process that uploads, then downloads,
 * one BENCH_ARTIFACT_MB (default 2048 MiB) artifact through a tracking server. Target: under
 * 200 MB each way, whatever the size (the bytes are streamed, never held whole). The server is a
 * real `mlflow server` 3.18 with proxied artifacts when its venv is available, else a loopback
 * server implementing the same endpoints (the output says which). Anchor, same run: the peak RSS
 * of the same child that only creates the run.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { ensureMlflow, startMlflowServer } from '../test/support/mlflow-env.js';
import { startLoopbackArtifactServer } from './artifact-loopback-server.js';
import { line, ratio } from './stats.js';

const MB = 1024 * 1024;

interface ChildResult {
  runId: string;
  peakRss: number;
  seconds: number;
}

function runChild(mode: 'up' | 'down' | 'idle', uri: string, arg: string): Promise<ChildResult> {
  const script = fileURLToPath(new URL('./artifacts-child.mjs', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, mode, uri, arg], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`artifacts child (${mode}) exited ${code}: ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as ChildResult);
    });
  });
}

/** A file of `mb` MiB written in 8 MiB chunks (random, so no layer can compress it away). */
async function writeBigFile(path: string, mb: number): Promise<void> {
  const chunk = randomBytes(8 * MB);
  const out = createWriteStream(path);
  for (let written = 0; written < mb * MB; written += chunk.length) {
    const n = Math.min(chunk.length, mb * MB - written);
    if (!out.write(n === chunk.length ? chunk : chunk.subarray(0, n))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export async function artifactsBench(): Promise<void> {
  const mb = Number(process.env.BENCH_ARTIFACT_MB ?? 2048);
  const dir = await mkdtemp(join(tmpdir(), 'runlog-bench-artifacts-'));
  let stop: () => Promise<void> = async () => undefined;
  try {
    const env = await ensureMlflow().catch(() => null);
    let uri = '';
    let serverKind = 'loopback server implementing the MLflow artifact endpoints (no MLflow venv)';
    if (env) {
      try {
        const server = await startMlflowServer(env);
        uri = server.uri;
        stop = () => server.stop();
        serverKind = `mlflow server ${env.version} (proxied artifacts)`;
      } catch (err) {
        serverKind = `loopback server implementing the MLflow artifact endpoints (mlflow server did not start: ${(err as Error).message.split('\n')[0]})`;
      }
    }
    if (!uri) {
      const server = await startLoopbackArtifactServer(join(dir, 'server'));
      uri = server.uri;
      stop = server.close;
    }
    console.log(`\n#10 artifacts: one ${mb} MiB artifact up and down through ${serverKind}`);
    const file = join(dir, 'big.bin');
    await writeBigFile(file, mb);
    const idle = await runChild('idle', uri, '-');
    const up = await runChild('up', uri, file);
    const dst = join(dir, 'download');
    const down = await runChild('down', uri, `${up.runId}:${dst}`);
    const got = (await stat(join(dst, 'big.bin'))).size;
    line('upload: peak RSS', `${(up.peakRss / MB).toFixed(0)} MB`, `(target < 200 MB; ${(mb / up.seconds).toFixed(0)} MiB/s)`);
    line('download: peak RSS', `${(down.peakRss / MB).toFixed(0)} MB`, `(target < 200 MB; ${(mb / down.seconds).toFixed(0)} MiB/s; ${got === mb * MB ? 'size ok' : `SIZE ${got}`})`);
    line('anchor: same process, run created, no transfer', `${(idle.peakRss / MB).toFixed(0)} MB`);
    line('upload peak vs anchor', ratio(up.peakRss, idle.peakRss));
    line('download peak vs anchor', ratio(down.peakRss, idle.peakRss));
  } finally {
    await stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}
