// Runs the built `runlog` CLI in a child process, as a user would run it, and returns its exit
// code and output.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliNodeArgs } from './child-node.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** A line of a V8 stack trace: what must never reach a user without --debug. */
export const STACK_LINE = /^\s+at /m;

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): Promise<CliResult> {
  // Throw-away journal and state directories (progress marks of `sync --from`), never the user's,
  // removed once the command has exited.
  const journalDir = mkdtempSync(join(tmpdir(), 'runlog-cli-'));
  const stateDir = mkdtempSync(join(tmpdir(), 'runlog-cli-state-'));
  const cleanup = () => {
    for (const dir of [journalDir, stateDir]) rmSync(dir, { recursive: true, force: true });
  };
  return new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, cliNodeArgs(...args), {
      cwd: opts.cwd ?? REPO_ROOT,
      env: {
        ...process.env,
        RUNLOG_JOURNAL_DIR: journalDir,
        XDG_STATE_HOME: stateDir,
        MLFLOW_TRACKING_URI: undefined,
        MLFLOW_REGISTRY_URI: undefined,
        RUNLOG_DEBUG: undefined,
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  }).finally(cleanup);
}
