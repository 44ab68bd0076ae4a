// A new user's project outside the repository: `npm install runlog @tensorflow/tfjs` from the
// loopback registry, a training script with autolog() as an ES module and as CommonJS, the CLI,
// and `npx runlog serve` of the model the script logged.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { freePort } from './local-registry.js';
import { runOk, type NpmSandbox } from './npm-env.js';

const TRAIN_BODY = `
autolog();
// y = 2x + 1: a few epochs of a one-unit dense layer.
const xs = tf.tensor2d([[0], [1], [2], [3], [4], [5], [6], [7]]);
const ys = tf.tensor2d([[1], [3], [5], [7], [9], [11], [13], [15]]);
const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });
await model.fit(xs, ys, { epochs: 5, verbose: 0 });
const run = lastActiveRun();
await shutdown();
console.log(JSON.stringify({ runId: run ? run.runId : null }));
`;

/** The ES-module script a user writes (train.mjs). */
export const TRAIN_ESM = `import * as tf from '@tensorflow/tfjs';
import { autolog, lastActiveRun, shutdown } from 'runlog';
${TRAIN_BODY}`;

/**
 * The CommonJS script (train.cjs). \`require('runlog')\` of the ES-module package works on Node
 * >= 20.19 (require of ES modules); on 20.15-20.18 a CommonJS user writes \`await import('runlog')\`.
 */
export const TRAIN_CJS = `const tf = require('@tensorflow/tfjs');
const { autolog, lastActiveRun, shutdown } = require('runlog');
async function main() {${TRAIN_BODY.replace(/\n/g, '\n  ')}}
main().catch((err) => { console.error(err); process.exitCode = 1; });
`;

export interface UserProject {
  dir: string;
  sandbox: NpmSandbox;
}

/** An empty project (package.json only) in `dir`, which must not be inside the repository. */
export async function createUserProject(dir: string, sandbox: NpmSandbox, repoRoot: string): Promise<UserProject> {
  await mkdir(dir, { recursive: true });
  const rel = relative(realpathSync(repoRoot), realpathSync(dir));
  if (!rel.startsWith('..')) throw new Error(`the user project ${dir} must be outside the repository ${repoRoot}`);
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'runlog-user-project', version: '1.0.0', private: true }, null, 2) + '\n');
  await writeFile(join(dir, 'train.mjs'), TRAIN_ESM);
  await writeFile(join(dir, 'train.cjs'), TRAIN_CJS);
  return { dir, sandbox };
}

/** `npm install runlog @tensorflow/tfjs`; returns how long it took. */
export async function installRunlog(project: UserProject): Promise<{ ms: number; stderr: string }> {
  const result = await runOk('npm', ['install', 'runlog', '@tensorflow/tfjs'], { cwd: project.dir, env: project.sandbox.env, timeoutMs: 600_000 });
  return { ms: result.ms, stderr: result.stderr };
}

/** Installed packages (top level and scoped) whose real path is not inside the project. */
export function packagesResolvingOutside(project: UserProject): string[] {
  const root = realpathSync(project.dir) + sep;
  const nodeModules = join(project.dir, 'node_modules');
  const outside: string[] = [];
  for (const name of readdirSync(nodeModules)) {
    if (name.startsWith('.')) continue;
    const names = name.startsWith('@') ? readdirSync(join(nodeModules, name)).map((n) => `${name}/${n}`) : [name];
    for (const pkg of names) {
      const real = realpathSync(join(nodeModules, pkg));
      if (!real.startsWith(root)) outside.push(`${pkg} -> ${real}`);
    }
  }
  return outside;
}

/** `resolved` URLs in the project's package-lock.json that are not on the given registry. */
export function lockEntriesFromElsewhere(project: UserProject): string[] {
  const lock = JSON.parse(readFileSync(join(project.dir, 'package-lock.json'), 'utf8')) as { packages: Record<string, { resolved?: string }> };
  return Object.entries(lock.packages)
    .filter(([key, entry]) => key !== '' && !entry.resolved?.startsWith(project.sandbox.registryUrl))
    .map(([key, entry]) => `${key}: ${entry.resolved ?? '(no resolved URL)'}`);
}

export interface TrainedRun {
  runId: string;
  runDir: string;
  /** meta.yaml of the run. */
  meta: string;
  /** Lines of mlruns/0/<run>/metrics/loss (one per epoch). */
  lossPoints: number;
  /** The logged model's MLmodel file, or null when absent. */
  mlmodel: string | null;
  stderr: string;
}

/**
 * The MLmodel of the run's model: under the run's artifacts (MLflow 2 layout), else under the
 * LoggedModel its `outputs/<model_id>` names (MLflow 3 layout: `<experiment>/models/<id>/artifacts`).
 */
function loggedModelFile(runDir: string): string {
  const direct = join(runDir, 'artifacts', 'model', 'MLmodel');
  if (existsSync(direct)) return direct;
  const outputs = join(runDir, 'outputs');
  for (const id of existsSync(outputs) ? readdirSync(outputs) : []) {
    const file = join(runDir, '..', 'models', id, 'artifacts', 'MLmodel');
    if (existsSync(file)) return file;
  }
  return direct;
}

/** Runs train.mjs or train.cjs with plain `node` in the project; reads back what it logged. */
export async function train(project: UserProject, kind: 'esm' | 'cjs'): Promise<TrainedRun> {
  const file = kind === 'esm' ? 'train.mjs' : 'train.cjs';
  const result = await runOk(process.execPath, [file], { cwd: project.dir, env: project.sandbox.env, timeoutMs: 300_000 });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  const { runId } = JSON.parse(last) as { runId: string | null };
  if (!runId) throw new Error(`${file} logged no run:\n${result.stdout}\n${result.stderr}`);
  const runDir = join(project.dir, 'mlruns', '0', runId);
  const lossFile = join(runDir, 'metrics', 'loss');
  const mlmodelFile = loggedModelFile(runDir);
  return {
    runId,
    runDir,
    meta: readFileSync(join(runDir, 'meta.yaml'), 'utf8'),
    lossPoints: existsSync(lossFile) ? readFileSync(lossFile, 'utf8').trim().split('\n').length : 0,
    mlmodel: existsSync(mlmodelFile) ? readFileSync(mlmodelFile, 'utf8') : null,
    stderr: result.stderr,
  };
}

/** `npx runlog <args>` in the project. */
export function npxRunlog(project: UserProject, args: readonly string[]) {
  return runOk('npx', ['runlog', ...args], { cwd: project.dir, env: project.sandbox.env, timeoutMs: 120_000 });
}

export interface ServeResult {
  /** HTTP status and JSON body of POST /invocations. */
  status: number;
  body: unknown;
  /** How `npx` ended after SIGTERM. */
  exitCode: number | null;
  exitSignal: NodeJS.Signals | null;
  /** Whether the port still accepted connections 10 s after npx ended (an orphaned server). */
  stillServing: boolean;
  output: string;
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

/**
 * `npx runlog serve -m runs:/<run>/model`, one prediction over HTTP, then SIGTERM to the npx
 * process (what a container runtime sends to PID 1) and a check that no server is left behind.
 */
/** Whether any process of the group led by `pgid` still runs. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function serveAndStop(project: UserProject, runId: string, inputs: unknown): Promise<ServeResult> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('npx', ['runlog', 'serve', '-m', `runs:/${runId}/model`, '-p', String(port)], {
    cwd: project.dir,
    env: project.sandbox.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group: the cleanup below can reach a server npx left behind
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
  const killGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  try {
    const deadline = Date.now() + 120_000;
    while (!output.includes('listening on')) {
      if (child.exitCode !== null) throw new Error(`npx runlog serve exited ${child.exitCode}:\n${output}`);
      if (Date.now() > deadline) throw new Error(`npx runlog serve did not start within 120 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const res = await fetch(`${url}/invocations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
      signal: AbortSignal.timeout(30_000),
    });
    const status = res.status;
    const body = (await res.json()) as unknown;
    process.kill(child.pid!, 'SIGTERM');
    const [exitCode, exitSignal] = await exited;
    // npx is gone; the node server under it drains and exits on its own (or is orphaned, which
    // the checks below catch). Wait, bounded, until no process of the group is left.
    for (let i = 0; groupAlive(child.pid!) && i < 150; i++) await new Promise((r) => setTimeout(r, 200));
    let stillServing = await answers(url);
    for (let i = 0; stillServing && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 200));
      stillServing = await answers(url);
    }
    return { status, body, exitCode, exitSignal, stillServing, output };
  } finally {
    killGroup();
  }
}
