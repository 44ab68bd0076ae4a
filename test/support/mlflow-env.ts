// Real-MLflow interop harness for the test suite.
//
// Contract:
// - `ensureMlflow()` yields a Python virtualenv holding mlflow 3.18.0, building it on first use.
//   The venv lives OUTSIDE the checkout so fresh clones (CI) reuse it:
//     ${RUNLOG_MLFLOW_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/runlog/venv-mlflow-3.18.0-<sha8>}
//   where <sha8> is the first 8 hex digits of sha256(test/interop/requirements.txt), so editing
//   the requirements (e.g. adding onnx) builds a new venv automatically. A venv is trusted only
//   once its marker file (.runlog-ready) exists; the marker is written as the last step of a fully
//   successful install, so a half-built venv is rebuilt. Concurrent test processes serialize the
//   build through a `mkdir` lock beside the venv (stale when its owner is dead or it is too old).
// - When the venv cannot be had: with CI=true the promise REJECTS (interop must run in CI);
//   otherwise a loud warning is printed once and the promise resolves to null so tests skip.
// - `startMlflowServer()` runs `mlflow server` on a free 127.0.0.1 port with throw-away stores in
//   a temp dir, waits for /health, and returns a handle whose stop()/restart() manage the whole
//   process group. Every server (and every runPython child) is killed when this process exits.
// - `runPython()` runs a snippet with the venv's interpreter and returns the JSON object printed
//   on its last stdout line. The snippet runs in a fork of one long-lived interpreter per test
//   process that imported mlflow once (python-worker.ts; under scripts/run-tests.mjs one for the
//   whole run): it still starts from a fresh interpreter's state, with its own cwd, environment,
//   exit code and process group.
//   RUNLOG_PY_FORK_SERVER=0 spawns a fresh `python -` per snippet instead, as does an opts.env
//   that changes a variable read only at interpreter start (PYTHON*, LD_*, VIRTUAL_ENV).
// - `runMlflowCli()` runs an `mlflow` command the same way: what the console script runs, in a
//   fork of that interpreter (or the console script itself, when a snippet would be spawned).
// - Opt-in, for tests that need "a plain server" and never stop, restart or reconfigure it:
//   `sharedMlflowServer()` returns the one server (sqlite, default options) that
//   scripts/run-tests.mjs starts once per run and shares between files (a file run any other way
//   starts its own on first use). Other files write to it at the same time, so use names no other
//   file uses (`uniqueName('my-exp')`), read back by id or within your own experiment, and never
//   assert on "everything" (all runs of Default, all registered models). Its stop() is a no-op.
//   Heavy traffic alone is no reason for a server of one's own: fault injection's 20k points share
//   it with the journal tests' 50k well inside their bounds, and a second server costs more CPU.
// - RUNLOG_TEST_STATS=<file>: each server start, shared-server use and Python process is counted
//   there, one line per event (the runner prints the totals).
//
// Usage pattern in a test file (top-level await is fine, test files are ESM):
//
//   const env = await ensureMlflow();
//   describe('interop: ...', { skip: env ? false : 'MLflow interop unavailable' }, () => {
//     let server: MlflowServer;
//     before(async () => { server = await startMlflowServer(env!); });
//     after(async () => { await server?.stop(); });
//     ...
//   });
//
// All network traffic stays on 127.0.0.1 (apart from pip during the one-time venv build);
// MLflow's client telemetry is switched off in every child environment.

import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir, hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { forkPython, killGroup, recordStat, type GroupTracker } from './python-worker.js';
import { pidAlive } from './pid-alive.js';

/** The MLflow release runlog is wire- and file-compatible with. */
export const MLFLOW_VERSION = '3.18.0';

export interface MlflowEnv {
  /** The venv's Python interpreter. */
  python: string;
  /** The venv's `mlflow` console script. */
  mlflowBin: string;
  /** `mlflow.__version__` as verified after the install (always MLFLOW_VERSION). */
  version: string;
  venvDir: string;
}

export interface MlflowServer {
  /** Base URI, e.g. `http://127.0.0.1:43125` (no trailing slash). */
  uri: string;
  port: number;
  /** Temp dir owning the stores; removed when this process exits. */
  tmpDir: string;
  /** Where the server's proxied artifact store (`mlflow-artifacts:/`) writes. */
  artifactsDir: string;
  /** `sqlite:///<tmp>/mlflow.db` or `file:///<tmp>/mlruns`. */
  backendUri: string;
  /** Path of the file that collects the server's stdout/stderr across restarts. */
  logFile: string;
  /** Captured stdout+stderr tail of the current/last server process. */
  outputTail(): string;
  /** Kills the whole process group and waits for it to be gone. Idempotent; keeps the stores. */
  stop(): Promise<void>;
  /** stop(), then start again on the same port with the same stores, waiting for /health. */
  restart(): Promise<void>;
}

export interface StartServerOptions {
  /** Backend store; 'sqlite' (default) or the legacy 'file' store (needs MLFLOW_ALLOW_FILE_STORE). */
  backend?: 'sqlite' | 'file';
  /** Extra environment for the server, applied last (overrides the harness defaults). */
  env?: Record<string, string>;
  /** uvicorn worker processes; default 1 (see DEFAULT_WORKERS). */
  workers?: number;
  /** Bound on the wait for /health; default 240 s. */
  startTimeoutMs?: number;
}

export interface RunPythonOptions {
  env?: Record<string, string>;
  /** Working directory; default a per-process temp dir, so stray ./mlruns never lands in the repo. */
  cwd?: string;
  /** Default 120 s; the process group is killed when exceeded. */
  timeoutMs?: number;
}

const LOG_PREFIX = '[runlog interop]';
const MARKER = '.runlog-ready';
const REQUIREMENTS_FILE = fileURLToPath(new URL('../interop/requirements.txt', import.meta.url));
/** One pip step may take long on a cold cache (pandas, scipy, pyarrow, ...), but not forever. */
const PIP_STEP_TIMEOUT_MS = 30 * 60_000;
/** Longest a process waits for another one's install before giving up. */
const LOCK_WAIT_MS = 45 * 60_000;
/** A lock older than this is stale even if its owner looks alive (e.g. a reused pid). */
const LOCK_STALE_MS = 40 * 60_000;
/**
 * One uvicorn worker: the machine has 2 cores, and with --workers 1 uvicorn serves in-process
 * (no supervisor), so the process tree is just `mlflow server` -> `uvicorn`. Flask routes are
 * mounted through WSGI and run on a thread pool, so concurrent requests are still served.
 */
const DEFAULT_WORKERS = 1;

/**
 * Environment common to every Python child: no telemetry calls to the outside, unbuffered output
 * so captured tails are complete, and the legacy file store allowed (MLflow 3.x refuses it
 * otherwise). Also skip pip's `--dry-run` requirement check when logging models (network, slow).
 */
const PY_CHILD_ENV: Record<string, string> = {
  MLFLOW_DISABLE_TELEMETRY: 'true',
  DO_NOT_TRACK: 'true',
  PYTHONUNBUFFERED: '1',
  PYTHONDONTWRITEBYTECODE: '1',
  MLFLOW_SKIP_PIP_REQUIREMENTS_CHECK: 'true',
};

// ---------------------------------------------------------------------------------------------
// venv
// ---------------------------------------------------------------------------------------------

function log(msg: string): void {
  process.stderr.write(`${LOG_PREFIX} ${msg}\n`);
}

/** The venv directory for the current requirements.txt (see the file header). */
export function mlflowVenvDir(): string {
  const override = process.env.RUNLOG_MLFLOW_VENV;
  if (override) return override;
  const sha8 = requirementsSha256().slice(0, 8);
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'runlog', `venv-mlflow-${MLFLOW_VERSION}-${sha8}`);
}

let ensured: Promise<MlflowEnv | null> | undefined;

/**
 * Resolves the MLflow venv, building it when missing. Memoized per process.
 * Rejects when CI=true and the venv cannot be had; otherwise warns once and resolves to null.
 */
export function ensureMlflow(): Promise<MlflowEnv | null> {
  ensured ??= ensureUncached().catch((err: unknown) => {
    if (process.env.CI === 'true') {
      throw new Error(`MLflow interop environment unavailable (CI=true, so this is fatal): ${errText(err)}`, {
        cause: err,
      });
    }
    const bar = '!'.repeat(78);
    process.stderr.write(
      [
        '',
        bar,
        `${LOG_PREFIX} WARNING: the real-MLflow interop environment is UNAVAILABLE.`,
        `${LOG_PREFIX} Every interop test will be SKIPPED in this run (in CI they would fail).`,
        `${LOG_PREFIX} venv: ${safeVenvDir()}`,
        `${LOG_PREFIX} reason: ${errText(err).split('\n').join(`\n${LOG_PREFIX}   `)}`,
        `${LOG_PREFIX} Needs python3 (>= 3.10) with venv/pip and access to PyPI for the first build.`,
        bar,
        '',
      ].join('\n'),
    );
    return null;
  });
  return ensured;
}

/** `false` when interop can run, else a skip reason; for `describe(name, { skip }, ...)`. */
export async function interopSkipReason(): Promise<string | false> {
  return (await ensureMlflow()) ? false : 'MLflow interop unavailable (see warning above)';
}

function safeVenvDir(): string {
  try {
    return mlflowVenvDir();
  } catch (err) {
    return `<unknown: ${errText(err)}>`;
  }
}

interface Marker {
  mlflowVersion: string;
  requirementsSha256: string;
  python: string;
  createdAt: string;
}

function requirementsSha256(): string {
  return createHash('sha256').update(readFileSync(REQUIREMENTS_FILE)).digest('hex');
}

/** The venv if its marker matches this mlflow version and requirements.txt, else null. */
async function readReady(venvDir: string): Promise<MlflowEnv | null> {
  const python = join(venvDir, 'bin', 'python');
  const mlflowBin = join(venvDir, 'bin', 'mlflow');
  try {
    const marker = JSON.parse(await readFile(join(venvDir, MARKER), 'utf8')) as Partial<Marker>;
    if (marker.mlflowVersion !== MLFLOW_VERSION) return null;
    // Matters with RUNLOG_MLFLOW_VENV, whose name does not carry the requirements hash.
    if (marker.requirementsSha256 !== requirementsSha256()) return null;
    if (!existsSync(python) || !existsSync(mlflowBin)) return null;
    return { python, mlflowBin, version: marker.mlflowVersion, venvDir };
  } catch {
    return null;
  }
}

async function ensureUncached(): Promise<MlflowEnv> {
  const venvDir = mlflowVenvDir();
  const ready = await readReady(venvDir);
  if (ready) return ready;

  const lockDir = `${venvDir}.lock`;
  await mkdir(dirname(venvDir), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  let announcedWait = false;
  for (;;) {
    const done = await readReady(venvDir);
    if (done) return done;
    if (await tryLock(lockDir)) {
      try {
        // Another process may have finished between our check and taking the lock.
        return (await readReady(venvDir)) ?? (await buildVenv(venvDir));
      } finally {
        await rm(lockDir, { recursive: true, force: true });
      }
    }
    if (await lockIsStale(lockDir)) {
      log(`removing stale install lock ${lockDir}`);
      await rm(lockDir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${LOCK_WAIT_MS / 60_000} min waiting for install lock ${lockDir}`);
    }
    if (!announcedWait) {
      log(`another process is building ${venvDir}; waiting for it (lock ${lockDir})`);
      announcedWait = true;
    }
    await sleep(2000);
  }
}

async function tryLock(lockDir: string): Promise<boolean> {
  try {
    await mkdir(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  const owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  await writeFile(join(lockDir, 'owner.json'), JSON.stringify(owner));
  return true;
}

/** Stale = owner on this host is dead, or the lock is older than LOCK_STALE_MS. */
async function lockIsStale(lockDir: string): Promise<boolean> {
  let mtimeMs: number;
  try {
    mtimeMs = (await stat(lockDir)).mtimeMs;
  } catch {
    return false; // gone already; the next loop iteration retries mkdir
  }
  if (Date.now() - mtimeMs > LOCK_STALE_MS) return true;
  try {
    const owner = JSON.parse(await readFile(join(lockDir, 'owner.json'), 'utf8')) as { pid?: number; host?: string };
    if (owner.host === hostname() && typeof owner.pid === 'number' && !pidAlive(owner.pid)) return true;
  } catch {
    // owner.json not written yet (the owner is between mkdir and writeFile) or unreadable:
    // give it a grace period before treating it as stale.
    return Date.now() - mtimeMs > 60_000;
  }
  return false;
}

async function buildVenv(venvDir: string): Promise<MlflowEnv> {
  const basePython = process.env.RUNLOG_PYTHON || 'python3';
  const reqSha = requirementsSha256();
  const started = Date.now();

  // `venv --clear` empties the directory; refuse to do that to something that is not a venv.
  if (existsSync(venvDir)) {
    const entries = await readdir(venvDir);
    if (entries.length > 0 && !entries.includes('pyvenv.cfg')) {
      throw new Error(`${venvDir} exists, is not empty and is not a virtualenv; refusing to overwrite it`);
    }
  }

  log(`building the MLflow ${MLFLOW_VERSION} virtualenv in ${venvDir}`);
  log('this is a one-time setup that can take several minutes; later runs reuse it');
  const installLog = `${venvDir}.install.log`;
  await writeFile(installLog, `# runlog interop venv build, ${new Date().toISOString()}\n`);

  const step = async (title: string, cmd: string, args: string[], timeoutMs: number): Promise<void> => {
    log(`${title} ...`);
    const t0 = Date.now();
    await appendFile(installLog, `\n$ ${cmd} ${args.join(' ')}\n`);
    const res = await runCapture(cmd, args, { timeoutMs, env: { ...process.env, ...PY_CHILD_ENV }, heartbeat: title });
    await appendFile(installLog, res.stdout + res.stderr);
    if (res.code !== 0) {
      throw new Error(
        `${title} failed (${describeExit(res)}); full log: ${installLog}\n` +
          tail(res.stderr || res.stdout, 3000),
      );
    }
    log(`${title} done in ${seconds(Date.now() - t0)}`);
  };

  const python = join(venvDir, 'bin', 'python');
  await step(`creating venv with ${basePython}`, basePython, ['-m', 'venv', '--clear', venvDir], 5 * 60_000);
  await step(
    `pip install -r test/interop/requirements.txt`,
    python,
    ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', REQUIREMENTS_FILE],
    PIP_STEP_TIMEOUT_MS,
  );
  // mlflow's wheel holds the whole `mlflow` package; its pins on mlflow-skinny/mlflow-tracing of
  // the same version are not served by the registry reachable here, hence --no-deps.
  await step(
    `pip install --no-deps mlflow==${MLFLOW_VERSION}`,
    python,
    ['-m', 'pip', 'install', '--progress-bar', 'off', '--no-deps', `mlflow==${MLFLOW_VERSION}`],
    PIP_STEP_TIMEOUT_MS,
  );

  log('verifying the install ...');
  const check = await runCapture(
    python,
    ['-c', 'import json, sys, mlflow, mlflow.server; print(json.dumps({"v": mlflow.__version__, "py": sys.version.split()[0]}))'],
    { timeoutMs: 5 * 60_000, env: { ...process.env, ...PY_CHILD_ENV } },
  );
  await appendFile(installLog, `\n$ verify\n${check.stdout}${check.stderr}`);
  if (check.code !== 0) throw new Error(`importing mlflow failed:\n${tail(check.stderr, 3000)}`);
  const info = JSON.parse(lastLine(check.stdout)) as { v: string; py: string };
  if (info.v !== MLFLOW_VERSION) throw new Error(`venv has mlflow ${info.v}, expected ${MLFLOW_VERSION}`);
  const mlflowBin = join(venvDir, 'bin', 'mlflow');
  if (!existsSync(mlflowBin)) throw new Error(`${mlflowBin} missing after install`);

  const marker: Marker = {
    mlflowVersion: info.v,
    requirementsSha256: reqSha,
    python: info.py,
    createdAt: new Date().toISOString(),
  };
  // Last step: only a complete install carries the marker.
  await writeFile(join(venvDir, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
  log(`MLflow ${info.v} (Python ${info.py}) ready in ${venvDir} after ${seconds(Date.now() - started)}`);
  return { python, mlflowBin, version: info.v, venvDir };
}

// ---------------------------------------------------------------------------------------------
// child-process bookkeeping: nothing we start outlives this process
// ---------------------------------------------------------------------------------------------

/** Process-group ids of live detached children (servers and Python snippets). */
const liveGroups = new Set<number>();
/** Temp dirs to remove at exit. */
const tempDirs = new Set<string>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
    liveGroups.clear();
    if (process.env.RUNLOG_KEEP_MLFLOW_TMP !== '1') {
      for (const dir of tempDirs) {
        try {
          rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
        } catch {
          // best effort: a just-killed server may still be writing
        }
      }
    }
  });
  // Signals skip 'exit' handlers by default: clean up, then re-raise with default behaviour.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
      liveGroups.clear();
      process.removeListener(sig, onSignal);
      // If someone else (e.g. runlog's own exit hooks) also listens, they decide about exiting.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/**
 * How python-worker.ts registers the process groups it starts with the exit hooks above (also the
 * shared fork server's host, which kills its server's group when it leaves).
 */
export const GROUP_TRACKER: GroupTracker = {
  started: (pgid) => {
    installExitHooks();
    liveGroups.add(pgid);
  },
  finished: (pgid) => {
    killGroup(pgid, 'SIGKILL');
    liveGroups.delete(pgid);
  },
};


function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function processTempDir(): Promise<string> {
  pyCwd ??= mkdtemp(join(tmpdir(), 'runlog-py-')).then((dir) => {
    tempDirs.add(dir);
    return dir;
  });
  return pyCwd;
}
let pyCwd: Promise<string> | undefined;

// ---------------------------------------------------------------------------------------------
// MLflow server
// ---------------------------------------------------------------------------------------------

/** A free loopback port: listen on port 0, read it, close. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not read the probe server port'));
        return;
      }
      srv.close(() => resolve(addr.port));
    });
  });
}

/**
 * Starts `mlflow server` (uvicorn, 1 worker by default) on 127.0.0.1 with stores in a fresh temp
 * dir and waits until GET /health answers 200. Job execution (the huey consumers, ~8 extra Python
 * processes, doubling start time) is disabled by default; pass
 * `env: { MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'true' }` to get it back.
 */
export async function startMlflowServer(env: MlflowEnv, opts: StartServerOptions = {}): Promise<MlflowServer> {
  installExitHooks();
  const backend = opts.backend ?? 'sqlite';
  const tmpDir = await mkdtemp(join(tmpdir(), 'runlog-mlflow-'));
  tempDirs.add(tmpDir);
  const artifactsDir = join(tmpDir, 'mlartifacts');
  const backendUri =
    backend === 'sqlite' ? `sqlite:///${join(tmpDir, 'mlflow.db')}` : pathToFileURL(join(tmpDir, 'mlruns')).href;
  const logFile = join(tmpDir, 'server.log');
  // Generous: test files run side by side, and on a loaded machine importing MLflow alone can take a minute or two.
  const startTimeoutMs = opts.startTimeoutMs ?? 240_000;
  const workers = opts.workers ?? DEFAULT_WORKERS;

  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...PY_CHILD_ENV,
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    ...(backend === 'file' ? { MLFLOW_ALLOW_FILE_STORE: 'true' } : {}),
    ...opts.env,
  };

  let port = 0;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let stopping: Promise<void> | undefined;

  const spawnServer = (): void => {
    output = '';
    const args = [
      'server',
      '--host', '127.0.0.1',
      '--port', String(port),
      '--backend-store-uri', backendUri,
      '--artifacts-destination', artifactsDir,
      '--workers', String(workers),
    ];
    recordStat('server-start');
    const proc = spawn(env.mlflowBin, args, {
      cwd: tmpDir, // anything relative (./mlruns, ./mlflow.db) lands in the temp dir
      env: childEnv,
      detached: true, // own process group, so stop() can kill uvicorn and friends too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const pgid = proc.pid;
    if (pgid !== undefined) liveGroups.add(pgid);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output = tail(output + text, 64 * 1024);
      void appendFile(logFile, text).catch(() => undefined);
    };
    proc.stdout?.on('data', onData);
    proc.stderr?.on('data', onData);
    exited = new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.once('error', (err) => {
        onData(Buffer.from(`\n[spawn error] ${errText(err)}\n`));
        resolve();
      });
    });
    // Never keep the test process alive on our account; the exit hook kills the group.
    proc.unref();
    (proc.stdout as { unref?: () => void } | null)?.unref?.();
    (proc.stderr as { unref?: () => void } | null)?.unref?.();
  };

  const stopNow = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    const pgid = proc?.pid;
    if (!proc || pgid === undefined) return;
    // SIGTERM lets `mlflow server` forward a graceful shutdown to uvicorn; escalate if needed.
    killGroup(pgid, 'SIGTERM');
    if (!(await waitGroupGone(pgid, exited, 15_000))) {
      killGroup(pgid, 'SIGKILL');
      await waitGroupGone(pgid, exited, 10_000);
    }
    liveGroups.delete(pgid);
  };

  const stop = (): Promise<void> => {
    stopping ??= stopNow().finally(() => {
      stopping = undefined;
    });
    return stopping;
  };

  const uriOf = (): string => `http://127.0.0.1:${port}`;

  const waitHealthy = async (): Promise<void> => {
    const deadline = Date.now() + startTimeoutMs;
    let exitedFlag = false;
    void exited.then(() => {
      exitedFlag = true;
    });
    while (Date.now() < deadline) {
      if (exitedFlag) {
        throw new ServerStartError(
          `mlflow server exited during startup (port ${port})\n--- server output tail ---\n${tail(output, 4000)}`,
          output,
        );
      }
      try {
        const res = await fetch(`${uriOf()}/health`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(250);
    }
    throw new ServerStartError(
      `mlflow server did not answer GET /health with 200 within ${startTimeoutMs / 1000}s (port ${port})\n` +
        `--- server output tail ---\n${tail(output, 4000)}`,
      output,
    );
  };

  const start = async (): Promise<void> => {
    spawnServer();
    try {
      await waitHealthy();
    } catch (err) {
      await stop();
      throw err;
    }
  };

  // The free-port probe races with other processes; retry a couple of times on EADDRINUSE.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await start();
      break;
    } catch (err) {
      const inUse = err instanceof ServerStartError && /address already in use|Errno 98/i.test(err.output);
      if (!inUse || attempt >= 3) throw err;
    }
  }

  return {
    uri: uriOf(),
    port,
    tmpDir,
    artifactsDir,
    backendUri,
    logFile,
    outputTail: () => output,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// the shared server
// ---------------------------------------------------------------------------------------------

/** What the runner's server host (shared-mlflow-host.ts) writes once its server is healthy. */
export interface SharedServerInfo {
  uri: string;
  port: number;
  tmpDir: string;
  artifactsDir: string;
  backendUri: string;
  logFile: string;
  error?: string;
}

let sharedInProcess: Promise<MlflowServer> | undefined;

/**
 * A plain `mlflow server` (sqlite backend, default options) shared with every other test file of
 * the run that asks for one: the runner starts it once (RUNLOG_TEST_MLFLOW_SHARED names the file
 * its host writes), and a file run without the runner gets one of its own, started on first use.
 * Other files write to it at the same time: use names no other file uses (uniqueName()), and read
 * back by id or by your own experiment, never "all runs of Default". stop() only lets go of it;
 * restart() rejects: a test that stops or restarts a server needs startMlflowServer().
 */
export async function sharedMlflowServer(env: MlflowEnv): Promise<MlflowServer> {
  const infoFile = process.env.RUNLOG_TEST_MLFLOW_SHARED;
  const server = infoFile ? await attachShared(infoFile) : await (sharedInProcess ??= startMlflowServer(env));
  recordStat('shared-server-use');
  return {
    ...server,
    outputTail: () => server.outputTail(),
    stop: async () => undefined,
    restart: () => Promise.reject(new Error('the shared MLflow server cannot be restarted; use startMlflowServer() for one of your own')),
  };
}

/** A name no other test file of this run uses, e.g. for an experiment on the shared server. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Waits (bounded) for the host's info file, then checks the server answers. */
async function attachShared(infoFile: string): Promise<MlflowServer> {
  const hostPid = Number(process.env.RUNLOG_TEST_MLFLOW_SHARED_PID);
  const deadline = Date.now() + 300_000;
  let info: SharedServerInfo | undefined;
  while (!info) {
    try {
      info = JSON.parse(await readFile(infoFile, 'utf8')) as SharedServerInfo;
    } catch {
      if (hostPid && !pidAlive(hostPid)) throw new Error(`the shared MLflow server's host (pid ${hostPid}) is gone without starting it`);
      if (Date.now() > deadline) throw new Error(`the shared MLflow server was not up within 300 s (${infoFile})`);
      await sleep(200);
    }
  }
  if (info.error) throw new Error(`the shared MLflow server could not start: ${info.error}`);
  const res = await fetch(`${info.uri}/health`, { signal: AbortSignal.timeout(30_000) });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`the shared MLflow server at ${info.uri} answered /health with ${res.status}`);
  const { error: _error, ...fields } = info;
  const logTail = (): string => {
    try {
      return tail(readFileSync(info.logFile, 'utf8'), 64 * 1024);
    } catch {
      return '';
    }
  };
  return { ...fields, outputTail: logTail, stop: async () => undefined, restart: async () => undefined };
}

class ServerStartError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'ServerStartError';
  }
}

/** Resolves true once the leader has exited and no member of the group is left. */
async function waitGroupGone(pgid: number, leaderExited: Promise<void>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let leaderDone = false;
  void leaderExited.then(() => {
    leaderDone = true;
  });
  while (Date.now() < deadline) {
    if (leaderDone && !groupAlive(pgid)) return true;
    await sleep(100);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Python snippets
// ---------------------------------------------------------------------------------------------

/** The environment a snippet starts from (and its fork server runs with): this process's plus PY_CHILD_ENV. */
export function pythonBaseEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...PY_CHILD_ENV, MLFLOW_ALLOW_FILE_STORE: 'true' };
}

/**
 * Runs `script` with the venv's Python (fed on stdin) and resolves to the JSON value printed on
 * the LAST non-empty stdout line. Rejects on non-zero exit, timeout, or unparsable output, with
 * the stderr tail in the message. MLFLOW_ALLOW_FILE_STORE=true is set unless opts.env overrides.
 */
export async function runPython(env: MlflowEnv, script: string, opts: RunPythonOptions = {}): Promise<any> {
  installExitHooks();
  const cwd = opts.cwd ?? (await processTempDir());
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const baseEnv = pythonBaseEnv();
  const childEnv = { ...baseEnv, ...opts.env };
  // A fork of one long-lived interpreter that imported mlflow once (see python-worker.ts); null
  // when that is off or unavailable, and then a fresh `python -` as before.
  const forked = await forkPython(env.python, script, { cwd, env: childEnv, baseEnv, tmpDir: await processTempDir(), timeoutMs, groups: GROUP_TRACKER });
  if (forked) recordStat('python-fork');
  else recordStat('python-spawn');
  const res = forked ?? (await runCapture(env.python, ['-'], { cwd, timeoutMs, input: script, env: childEnv }));
  if (res.code !== 0) {
    throw new Error(
      `python snippet failed (${describeExit(res)})\n--- stderr tail ---\n${tail(res.stderr, 4000)}\n--- stdout tail ---\n${tail(res.stdout, 1000)}`,
    );
  }
  const line = lastLine(res.stdout);
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(
      `python snippet did not print JSON on its last stdout line: ${JSON.stringify(tail(line, 500))}\n` +
        `--- stderr tail ---\n${tail(res.stderr, 2000)}`,
    );
  }
}

export interface MlflowCliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Default 180 s; the command's process group is killed when exceeded. */
  timeoutMs?: number;
  /** Learns the id of the command's process group once it runs. */
  onStart?: (pgid: number) => void;
}

export interface MlflowCliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the venv's `mlflow` command line (e.g. `mlflow run <dir> --env-manager local`) with the
 * harness's Python child environment plus `opts.env`, in its own process group (killed at the
 * timeout, default 180 s). Resolves with the exit code and output; never rejects for a failure.
 *
 * It runs what the `mlflow` console script runs (`sys.exit(mlflow.cli.cli())` with the same argv),
 * in a fork of the interpreter that imported mlflow once (see runPython), so each command skips a
 * fresh interpreter's `import mlflow` (over a second of CPU); the command itself, its
 * subprocesses, exit code and output are the CLI's. With RUNLOG_PY_FORK_SERVER=0, or an opts.env
 * that changes a variable read only at interpreter start (PYTHON*, LD_*, VIRTUAL_ENV), the console
 * script is spawned instead.
 */
export async function runMlflowCli(env: MlflowEnv, args: string[], opts: MlflowCliOptions = {}): Promise<MlflowCliResult> {
  installExitHooks();
  const cwd = opts.cwd ?? (await processTempDir());
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...PY_CHILD_ENV, ...opts.env };
  // as the console script: its own folder first on sys.path (not the working directory), its argv
  const script =
    `import sys\nsys.path[0] = ${JSON.stringify(dirname(env.mlflowBin))}\n` +
    `from mlflow.cli import cli\nsys.argv = ${JSON.stringify([env.mlflowBin, ...args])}\nsys.exit(cli())\n`;
  const { onStart } = opts;
  const forked = await forkPython(env.python, script, { cwd, env: childEnv, baseEnv: pythonBaseEnv(), tmpDir: await processTempDir(), timeoutMs, groups: GROUP_TRACKER, onStart });
  recordStat(forked ? 'python-fork' : 'python-spawn');
  const res = forked ?? (await runCapture(env.mlflowBin, args, { cwd, timeoutMs, env: childEnv, onStart }));
  if (res.timedOut) return { code: null, stdout: res.stdout, stderr: `${res.stderr}\n[timed out after ${timeoutMs / 1000} s]` };
  return { code: res.code, stdout: res.stdout, stderr: res.stderr };
}

/** A long-running `mlflow` command (e.g. `mlflow models serve`) started by startMlflowCli(). */
export interface MlflowCliProcess {
  /** Resolves once the command has exited, with its exit code and output. */
  exited: Promise<MlflowCliResult>;
  /** SIGTERM to the command's process group, then waits for it to exit. */
  stop(): Promise<void>;
}

/** Starts an `mlflow` command as runMlflowCli() runs it, without waiting for it to end. */
export function startMlflowCli(env: MlflowEnv, args: string[], opts: Omit<MlflowCliOptions, 'onStart'> = {}): MlflowCliProcess {
  let pgid: number | undefined;
  let stopping = false;
  const terminate = () => {
    if (pgid !== undefined) killGroup(pgid, 'SIGTERM');
  };
  const exited = runMlflowCli(env, args, {
    ...opts,
    onStart: (id) => {
      pgid = id;
      if (stopping) terminate();
    },
  });
  return {
    exited,
    stop: async () => {
      stopping = true;
      terminate();
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

interface CaptureResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Spawns in its own process group (so a timeout kills grandchildren too), collects output, never
 * rejects for a non-zero exit. A spawn error (e.g. ENOENT) is reported as code null + stderr.
 */
function runCapture(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; input?: string; heartbeat?: string; onStart?: (pgid: number) => void },
): Promise<CaptureResult> {
  return new Promise((resolve) => {
    installExitHooks();
    const started = Date.now();
    const proc = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const pgid = proc.pid;
    if (pgid !== undefined) {
      liveGroups.add(pgid);
      opts.onStart?.(pgid);
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    proc.stdout?.on('data', (c: Buffer) => out.push(c));
    proc.stderr?.on('data', (c: Buffer) => err.push(c));
    if (opts.input !== undefined && proc.stdin) {
      proc.stdin.on('error', () => undefined); // EPIPE if the child dies early; exit code tells
      proc.stdin.end(opts.input);
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pgid !== undefined) killGroup(pgid, 'SIGKILL');
    }, opts.timeoutMs);
    const beat = opts.heartbeat
      ? setInterval(() => log(`${opts.heartbeat}: still running (${seconds(Date.now() - started)})`), 30_000)
      : undefined;
    let settled = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, extraErr = ''): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (beat) clearInterval(beat);
      if (pgid !== undefined) {
        // Reap leftovers (e.g. a daemon thread's subprocess) of a finished snippet.
        killGroup(pgid, 'SIGKILL');
        liveGroups.delete(pgid);
      }
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + extraErr,
        timedOut,
      });
    };
    proc.once('error', (e) => finish(null, null, `\n[spawn error] ${errText(e)}`));
    // 'close' (not 'exit') so all piped output has been read.
    proc.once('close', (code, signal) => finish(code, signal));
  });
}

function describeExit(res: CaptureResult): string {
  if (res.timedOut) return 'timed out';
  if (res.code !== null) return `exit code ${res.code}`;
  if (res.signal !== null) return `killed by ${res.signal}`;
  return 'could not be started';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? '';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
