// One long-lived Python per test process (one per run under the runner, see "Shared" below) that
// runs `runPython` snippets by forking (test/support/python_fork_server.py): mlflow is imported once
// instead of once per snippet (seconds of CPU each), while every snippet still starts from a fresh
// interpreter's state and keeps its own cwd, environment, stdout/stderr, exit code and process group.
//
// Contract: `forkPython()` resolves like a spawn of `python -` would (code/signal/stdout/stderr,
// never rejecting for a non-zero exit), or resolves to null when no fork server can be had (no
// fork on this platform, the server failed to start), in which case the caller spawns as before.
// A fork server that dies mid-snippet fails that snippet (it is never re-run: snippets write).
// RUNLOG_PY_FORK_SERVER=0 turns it off.
//
// Shared: under scripts/run-tests.mjs, one fork server serves every test process of the run
// (shared-python-host.ts starts it; RUNLOG_TEST_PY_SHARED names the file with its unix socket),
// so mlflow is imported once per run. A snippet forked there is the same fresh interpreter; the
// process groups it reports are killed by this process as before. When the shared server cannot
// be had, or runs another interpreter or start-up environment, this process starts its own.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pidAlive } from './pid-alive.js';

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
  onStart?: ((pgid: number) => void) | undefined;
  resolve(msg: { code?: number; signal?: number }): void;
  reject(err: Error): void;
}

/** What shared-python-host.ts writes once its fork server listens. */
export interface SharedForkServerInfo {
  socket: string;
  python: string;
  /** The server's values of the variables only interpreter start-up reads (STARTUP_ONLY). */
  startupEnv: Record<string, string>;
  error?: string;
}

/** A line channel to a fork server: a child's stdin/stdout, or a unix-socket connection. */
interface Channel {
  write(line: string): void;
  onData(cb: (chunk: Buffer) => void): void;
  onGone(cb: (why: string) => void): void;
  /** Whether it keeps this process alive (only while someone waits on it). */
  ref(on: boolean): void;
  close(): void;
  errTail(): string;
}

function childChannel(proc: ChildProcess, groups: GroupTracker): Channel {
  let errTail = '';
  proc.stderr?.on('data', (c: Buffer) => {
    errTail = (errTail + c.toString('utf8')).slice(-4000);
  });
  proc.stdin?.on('error', () => undefined); // EPIPE when it died; 'exit' tells
  return {
    write: (line) => proc.stdin!.write(line),
    onData: (cb) => proc.stdout?.on('data', cb),
    onGone: (cb) => {
      proc.once('exit', (code, signal) => cb(`exited (${code ?? signal})`));
      proc.once('error', (err) => cb(`could not start: ${err.message}`));
    },
    ref: (on) => {
      const s = proc.stdout as { ref?: () => void; unref?: () => void } | null;
      if (on) s?.ref?.();
      else s?.unref?.();
    },
    close: () => {
      if (proc.pid !== undefined) groups.finished(proc.pid);
    },
    errTail: () => errTail,
  };
}

function socketChannel(sock: Socket): Channel {
  sock.unref();
  return {
    write: (line) => sock.write(line),
    onData: (cb) => sock.on('data', cb),
    onGone: (cb) => {
      sock.once('close', () => cb('closed the connection (the shared fork server is gone)'));
      sock.once('error', (err) => cb(`connection failed: ${err.message}`));
    },
    ref: (on) => {
      if (on) sock.ref();
      else sock.unref();
    },
    close: () => sock.destroy(),
    errTail: () => "(the shared fork server's stderr goes to the test runner's output)",
  };
}

const SIGNAL_NAMES: Record<number, NodeJS.Signals> = { 9: 'SIGKILL', 15: 'SIGTERM', 6: 'SIGABRT', 11: 'SIGSEGV', 2: 'SIGINT' };

let serverCount = 0;

export class ForkServer {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  /** Names this server's snippet output files apart from another server's of this process. */
  private readonly serial = ++serverCount;
  private buffered = '';
  private dead: Error | undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly channel: Channel,
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
    channel.onData((c: Buffer) => {
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
          p.onStart?.(msg.pid);
          continue;
        }
        this.pending.delete(msg.id!);
        p.resolve(msg);
      }
    });
    channel.onGone((why) => {
      clearTimeout(timer);
      this.dead ??= new Error(`python fork server ${why}\n--- its stderr tail ---\n${channel.errTail()}`);
      failReady(this.dead);
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    });
  }

  /** Lets go of the server: kills it and its group when it is this process's own. */
  close(): void {
    this.channel.close();
  }

  /** Keeps the test process alive while someone waits on this server (it is unref'd otherwise). */
  private holds = 0;
  private hold(): void {
    if (this.holds++ === 0) this.channel.ref(true);
  }
  private release(): void {
    if (--this.holds === 0) this.channel.ref(false);
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

  /** Runs `script` in a fork; `onStart` learns the fork's pid (its own process group's id) once it runs. */
  async run(script: string, cwd: string, env: NodeJS.ProcessEnv, tmpDir: string, timeoutMs: number, onStart?: (pgid: number) => void): Promise<ForkResult> {
    if (this.dead) throw this.dead;
    const id = this.nextId++;
    const stdoutPath = join(tmpDir, `snippet-${process.pid}-${this.serial}-${id}.out`);
    const stderrPath = join(tmpDir, `snippet-${process.pid}-${this.serial}-${id}.err`);
    let entry!: Pending;
    const exited = new Promise<{ code?: number; signal?: number }>((resolve, reject) => {
      entry = { resolve, reject, onStart };
    });
    this.pending.set(id, entry);
    this.hold();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (entry.pid !== undefined) killGroup(entry.pid);
    }, timeoutMs);
    try {
      this.channel.write(`${JSON.stringify({ id, script, cwd, env, stdout: stdoutPath, stderr: stderrPath })}\n`);
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

/** A signal (SIGKILL unless told) to a process group (gone already: nothing to do). */
export function killGroup(pgid: number, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: already gone
  }
}

/** One fork server per interpreter path, started on first use. */
const servers = new Map<string, ForkServer>();
/** Interpreters whose fork server could not start: they spawn per snippet from then on. */
const broken = new Set<string>();

/**
 * Environment variables read only at interpreter start: a snippet that sets them needs a real spawn.
 * Not PATH: the interpreter is started by its absolute path, so PATH plays no part in its start,
 * and a forked snippet's subprocesses look commands up in the PATH of its own environment.
 */
const STARTUP_ONLY = /^(PYTHON\w*|LD_\w+|VIRTUAL_ENV)$/;

/** The variables of `env` that only interpreter start-up reads. */
export function startupEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => STARTUP_ONLY.test(e[0]) && e[1] !== undefined));
}

function sameStartup(env: NodeJS.ProcessEnv, serverEnv: Record<string, string | undefined>): boolean {
  for (const key of new Set([...Object.keys(env), ...Object.keys(serverEnv)])) {
    if (STARTUP_ONLY.test(key) && env[key] !== serverEnv[key]) return false;
  }
  return true;
}

/** Counts harness events (server starts, Python processes) for the runner's summary when asked to (RUNLOG_TEST_STATS). */
export function recordStat(event: string): void {
  if (process.env.RUNLOG_TEST_STATS) appendFileSync(process.env.RUNLOG_TEST_STATS, `${event}\n`);
}

/** A connection to a fork server listening on `socketPath` (python_fork_server.py --listen). */
export function connectForkServer(socketPath: string, groups: GroupTracker): ForkServer {
  return new ForkServer(socketChannel(connect(socketPath)), groups);
}

/** The run's shared fork server, once per process; null when there is none or it does not fit. */
let shared: Promise<{ server: ForkServer; info: SharedForkServerInfo } | null> | undefined;

async function sharedServer(python: string, groups: GroupTracker): Promise<{ server: ForkServer; info: SharedForkServerInfo } | null> {
  const infoFile = process.env.RUNLOG_TEST_PY_SHARED;
  if (!infoFile) return null;
  const hostPid = Number(process.env.RUNLOG_TEST_PY_SHARED_PID);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let info: SharedForkServerInfo | undefined;
  try {
    while (!info) {
      try {
        info = JSON.parse(await readFile(infoFile, 'utf8')) as SharedForkServerInfo;
      } catch {
        if (hostPid && !pidAlive(hostPid)) throw new Error(`its host (pid ${hostPid}) is gone without starting it`);
        if (Date.now() > deadline) throw new Error(`not up within ${READY_TIMEOUT_MS / 1000} s (${infoFile})`);
        await sleep(200);
      }
    }
    if (info.error) throw new Error(info.error);
    if (info.python !== python) return null;
    const server = connectForkServer(info.socket, groups);
    await server.whenReady();
    recordStat('shared-python-use');
    return { server, info };
  } catch (err) {
    process.emitWarning(`shared python fork server unavailable, starting one of this process's own: ${(err as Error).message}`);
    return null;
  }
}

/** Starts a fork server as a child of this process (its own process group, killed at exit). */
export function startForkServer(python: string, opts: { env: NodeJS.ProcessEnv; cwd: string; groups: GroupTracker; args?: string[] }): ChildProcess {
  const proc = spawn(python, [SERVER_SCRIPT, ...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (proc.pid !== undefined) opts.groups.started(proc.pid);
  recordStat('python-fork-server');
  return proc;
}

/**
 * Runs `script` in a fork of a long-lived interpreter, or resolves to null when the caller should
 * spawn instead (turned off, unsupported, or `env` differs from the server's in a variable that
 * only interpreter start-up reads).
 */
export async function forkPython(
  python: string,
  script: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; baseEnv: NodeJS.ProcessEnv; tmpDir: string; timeoutMs: number; groups: GroupTracker; onStart?: (pgid: number) => void },
): Promise<ForkResult | null> {
  if (process.env.RUNLOG_PY_FORK_SERVER === '0' || process.platform === 'win32' || broken.has(python)) return null;
  // The run's shared server when it fits this snippet; a server that died there fails the
  // snippet (below) and is not asked again.
  const fromRun = await (shared ??= sharedServer(python, opts.groups));
  if (fromRun?.server.alive && sameStartup(opts.env, fromRun.info.startupEnv)) {
    return fromRun.server.run(script, opts.cwd, opts.env, opts.tmpDir, opts.timeoutMs, opts.onStart);
  }
  if (!sameStartup(opts.env, opts.baseEnv)) return null;
  let server = servers.get(python);
  if (!server?.alive) {
    const proc = startForkServer(python, { env: opts.baseEnv, cwd: opts.tmpDir, groups: opts.groups });
    // The server never keeps the test process alive; a running snippet's timer does.
    proc.unref();
    for (const s of [proc.stdin, proc.stdout, proc.stderr]) (s as { unref?: () => void } | null)?.unref?.();
    server = new ForkServer(childChannel(proc, opts.groups), opts.groups);
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
  return server.run(script, opts.cwd, opts.env, opts.tmpDir, opts.timeoutMs, opts.onStart);
}
