// One long-lived Python per test process that runs `runPython` snippets by forking
// (test/support/python_fork_server.py): mlflow is imported once instead of once per snippet
// (seconds of CPU each), while every snippet still starts from a fresh interpreter's state and
// keeps its own cwd, environment, stdout/stderr, exit code and process group.
//
// Contract: `forkPython()` resolves like a spawn of `python -` would (code/signal/stdout/stderr,
// never rejecting for a non-zero exit), or resolves to null when no fork server can be had (no
// fork on this platform, the server failed to start), in which case the caller spawns as before.
// A fork server that dies mid-snippet fails that snippet (it is never re-run: snippets write).
// RUNLOG_PY_FORK_SERVER=0 turns it off.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = fileURLToPath(new URL('./python_fork_server.py', import.meta.url));
/** Bound on the fork server's imports; a loaded 2-core machine needs tens of seconds. */
const READY_TIMEOUT_MS = 240_000;

export interface ForkResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** How the caller tracks and reaps the process groups started here. */
export interface GroupTracker {
  started(pgid: number): void;
  /** Kills what is left of the group (SIGKILL) and forgets it. */
  finished(pgid: number): void;
}

interface Pending {
  pid?: number;
  resolve(msg: { code?: number; signal?: number }): void;
  reject(err: Error): void;
}

const SIGNAL_NAMES: Record<number, NodeJS.Signals> = { 9: 'SIGKILL', 15: 'SIGTERM', 6: 'SIGABRT', 11: 'SIGSEGV', 2: 'SIGINT' };

class ForkServer {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffered = '';
  private errTail = '';
  private dead: Error | undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly proc: ChildProcess,
    private readonly groups: GroupTracker,
  ) {
    let markReady!: () => void;
    let failReady!: (err: Error) => void;
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    const timer = setTimeout(() => failReady(new Error(`fork server not ready after ${READY_TIMEOUT_MS / 1000}s`)), READY_TIMEOUT_MS);
    timer.unref();
    this.ready.catch(() => undefined); // awaited through whenReady(); never an unhandled rejection
    proc.stderr?.on('data', (c: Buffer) => {
      this.errTail = (this.errTail + c.toString('utf8')).slice(-4000);
    });
    proc.stdout?.on('data', (c: Buffer) => {
      this.buffered += c.toString('utf8');
      let nl: number;
      while ((nl = this.buffered.indexOf('\n')) >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        if (!line.trim()) continue;
        const msg = JSON.parse(line) as { ready?: boolean; id?: number; pid?: number; code?: number; signal?: number };
        if (msg.ready) {
          clearTimeout(timer);
          markReady();
          continue;
        }
        const p = msg.id === undefined ? undefined : this.pending.get(msg.id);
        if (!p) continue;
        if (msg.pid !== undefined && msg.code === undefined && msg.signal === undefined) {
          p.pid = msg.pid;
          groups.started(msg.pid);
          continue;
        }
        this.pending.delete(msg.id!);
        p.resolve(msg);
      }
    });
    const onGone = (why: string): void => {
      clearTimeout(timer);
      this.dead ??= new Error(`python fork server ${why}\n--- its stderr tail ---\n${this.errTail}`);
      failReady(this.dead);
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    };
    proc.once('exit', (code, signal) => onGone(`exited (${code ?? signal})`));
    proc.once('error', (err) => onGone(`could not start: ${err.message}`));
    proc.stdin?.on('error', () => undefined); // EPIPE when it died; 'exit' tells
  }

  /** Kills the server and what it forked that still runs in its group. */
  close(): void {
    if (this.proc.pid !== undefined) this.groups.finished(this.proc.pid);
  }

  /** Keeps the test process alive while someone waits on this server (it is unref'd otherwise). */
  private holds = 0;
  private hold(): void {
    if (this.holds++ === 0) (this.proc.stdout as { ref?: () => void } | null)?.ref?.();
  }
  private release(): void {
    if (--this.holds === 0) (this.proc.stdout as { unref?: () => void } | null)?.unref?.();
  }

  /** Resolves once the imports are done; rejects when the server died or never got ready. */
  async whenReady(): Promise<void> {
    this.hold();
    try {
      await this.ready;
    } finally {
      this.release();
    }
  }

  get alive(): boolean {
    return this.dead === undefined;
  }

  async run(script: string, cwd: string, env: NodeJS.ProcessEnv, tmpDir: string, timeoutMs: number): Promise<ForkResult> {
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    const stdoutPath = join(tmpDir, `snippet-${process.pid}-${id}.out`);
    const stderrPath = join(tmpDir, `snippet-${process.pid}-${id}.err`);
    let entry!: Pending;
    const exited = new Promise<{ code?: number; signal?: number }>((resolve, reject) => {
      entry = { resolve, reject };
    });
    this.pending.set(id, entry);
    this.hold();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (entry.pid !== undefined) killGroup(entry.pid);
    }, timeoutMs);
    try {
      this.proc.stdin!.write(`${JSON.stringify({ id, script, cwd, env, stdout: stdoutPath, stderr: stderrPath })}\n`);
      const msg = await exited;
      const [stdout, stderr] = await Promise.all([readText(stdoutPath), readText(stderrPath)]);
      return {
        code: msg.code ?? null,
        signal: msg.signal === undefined ? null : (SIGNAL_NAMES[msg.signal] ?? 'SIGKILL'),
        stdout,
        stderr,
        timedOut,
      };
    } finally {
      this.release();
      clearTimeout(timer);
      // Reap leftovers (e.g. a daemon thread's subprocess) of a finished snippet.
      if (entry.pid !== undefined) this.groups.finished(entry.pid);
      await Promise.all([rm(stdoutPath, { force: true }), rm(stderrPath, { force: true })]);
    }
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // ESRCH: already gone
  }
}

/** One fork server per interpreter path and base environment, started on first use. */
const servers = new Map<string, ForkServer>();
/** Interpreters whose fork server could not start: they spawn per snippet from then on. */
const broken = new Set<string>();

/** Environment variables read only at interpreter start: a snippet that sets them needs a real spawn. */
const STARTUP_ONLY = /^(PYTHON\w*|LD_\w+|VIRTUAL_ENV|PATH)$/;

/**
 * Runs `script` in a fork of a long-lived interpreter, or resolves to null when the caller should
 * spawn instead (turned off, unsupported, or `env` differs from the server's in a variable that
 * only interpreter start-up reads).
 */
export async function forkPython(
  python: string,
  script: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; baseEnv: NodeJS.ProcessEnv; tmpDir: string; timeoutMs: number; groups: GroupTracker },
): Promise<ForkResult | null> {
  if (process.env.RUNLOG_PY_FORK_SERVER === '0' || process.platform === 'win32' || broken.has(python)) return null;
  for (const key of new Set([...Object.keys(opts.env), ...Object.keys(opts.baseEnv)])) {
    if (STARTUP_ONLY.test(key) && opts.env[key] !== opts.baseEnv[key]) return null;
  }
  let server = servers.get(python);
  if (!server?.alive) {
    const proc = spawn(python, [SERVER_SCRIPT], {
      cwd: opts.tmpDir,
      env: opts.baseEnv,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (proc.pid !== undefined) opts.groups.started(proc.pid);
    if (process.env.RUNLOG_TEST_STATS) appendFileSync(process.env.RUNLOG_TEST_STATS, 'python-fork-server\n');
    // The server never keeps the test process alive; a running snippet's timer does.
    proc.unref();
    for (const s of [proc.stdin, proc.stdout, proc.stderr]) (s as { unref?: () => void } | null)?.unref?.();
    server = new ForkServer(proc, opts.groups);
    servers.set(python, server);
  }
  try {
    await server.whenReady();
  } catch (err) {
    server.close();
    if (!broken.has(python)) {
      broken.add(python);
      process.emitWarning(`python fork server unavailable, spawning per snippet: ${(err as Error).message}`);
    }
    return null;
  }
  return server.run(script, opts.cwd, opts.env, opts.tmpDir, opts.timeoutMs);
}
