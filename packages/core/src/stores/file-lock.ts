import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { StoreWriteError } from '../errors.js';
import { asStoreWriteError } from './disk-errors.js';

/**
 * A lock between processes sharing a local store: a lock file created with O_EXCL that holds
 * `<pid> <host> <token>`. A lock whose holder is dead (its pid is gone on this host) or that is
 * older than `staleMs` (a holder on another host, or one that hangs) is taken over. Taking over
 * goes through a second O_EXCL file (`<lock>.break`), so two waiters never both remove a lock and
 * one of them the other's fresh one.
 */
export interface FileLockOptions {
  /** Age after which a lock is taken over whatever its holder. Critical sections take milliseconds. */
  staleMs?: number;
  /** Longest wait for the lock before giving up with StoreWriteError (ETIMEDOUT). */
  timeoutMs?: number;
}

const DEFAULT_STALE_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 60_000;
const HOST = hostname();

/** Runs `fn` holding the lock file `path`. */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const token = `${process.pid} ${HOST} ${randomUUID()}`;
  await acquire(path, token, opts.staleMs ?? DEFAULT_STALE_MS, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  try {
    return await fn();
  } finally {
    // Released only if still ours: a holder that was taken over must not remove the new lock.
    if ((await readOrNull(path)) === token) await unlink(path).catch(() => undefined);
  }
}

async function acquire(path: string, token: string, staleMs: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(path, token)) return;
    const holder = await readOrNull(path);
    if (Date.now() - started > timeoutMs) {
      throw new StoreWriteError('ETIMEDOUT', path, `Could not take the lock ${path} within ${timeoutMs} ms: it is held by ${JSON.stringify(holder)}.`);
    }
    if (holder === null) continue; // released meanwhile
    if (await isStale(path, holder, staleMs)) {
      await breakLock(path, holder, staleMs);
      continue;
    }
    // Short, jittered, growing waits: critical sections last milliseconds.
    await sleep(Math.min(100, 2 + attempt * 2) * (0.5 + Math.random()));
  }
}

async function createExclusive(path: string, content: string): Promise<boolean> {
  try {
    await writeFile(path, content, { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw asStoreWriteError(err, path);
  }
}

async function isStale(path: string, holder: string, staleMs: number): Promise<boolean> {
  const [pid, host] = holder.split(' ');
  if (host === HOST && pid !== undefined && /^\d+$/.test(pid) && !isAlive(Number(pid))) return true;
  // An empty holder is a lock being written (or one whose writer died right after creating it).
  const mtime = await stat(path).then((s) => s.mtimeMs, () => null);
  return mtime !== null && Date.now() - mtime > staleMs;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock if it still holds `holder`, under the `.break` lock. */
async function breakLock(path: string, holder: string, staleMs: number): Promise<void> {
  const breaker = `${path}.break`;
  if (!(await createExclusive(breaker, `${process.pid} ${HOST}`))) {
    // Another waiter is breaking it; a breaker left by a crash goes once it is old.
    const mtime = await stat(breaker).then((s) => s.mtimeMs, () => null);
    if (mtime !== null && Date.now() - mtime > staleMs) await unlink(breaker).catch(() => undefined);
    await sleep(2 + Math.random() * 5);
    return;
  }
  try {
    if ((await readOrNull(path)) === holder) await unlink(path).catch(() => undefined);
  } finally {
    await unlink(breaker).catch(() => undefined);
  }
}

async function readOrNull(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
