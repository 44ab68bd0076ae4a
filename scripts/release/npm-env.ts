// Running npm (and a user's node scripts) against the loopback registry only: the environment keeps
// nothing of the calling npm (no npm_* variables, no NODE_OPTIONS, no MLFLOW_* settings) and points
// npm at a private userconfig, globalconfig and cache, so nothing leaks in from the machine.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface NpmSandbox {
  /** The environment for npm, npx and node children. */
  env: NodeJS.ProcessEnv;
  registryUrl: string;
}

/** Creates the npm configuration files in `dir` and returns an environment that uses only them. */
export async function npmSandbox(dir: string, registryUrl: string, authLine?: string): Promise<NpmSandbox> {
  await mkdir(dir, { recursive: true });
  const userconfig = join(dir, 'user.npmrc');
  const globalconfig = join(dir, 'global.npmrc');
  await writeFile(userconfig, [`registry=${registryUrl}`, ...(authLine ? [authLine] : []), ''].join('\n'));
  await writeFile(globalconfig, '');
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    if (/^npm_/i.test(key) || /^MLFLOW_/.test(key) || /^RUNLOG_/.test(key)) continue;
    if (key === 'NODE_OPTIONS' || key === 'NODE_PATH' || key === 'INIT_CWD') continue;
    env[key] = value;
  }
  Object.assign(env, {
    npm_config_registry: registryUrl,
    npm_config_userconfig: userconfig,
    npm_config_globalconfig: globalconfig,
    npm_config_cache: join(dir, 'npm-cache'),
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    // onnxruntime-node's postinstall downloads CUDA binaries unless told not to (read by its script).
    ONNXRUNTIME_NODE_INSTALL: 'skip',
  });
  return { env, registryUrl };
}

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (bounded by `timeoutMs`) without blocking the event loop. */
export function run(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** Like run(), but a non-zero exit is an error that shows the command's output. */
export async function runOk(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CommandResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`\`${command} ${args.join(' ')}\` exited ${result.code ?? result.signal}\n--- stdout\n${result.stdout.slice(-4000)}\n--- stderr\n${result.stderr.slice(-4000)}`);
  }
  return result;
}
