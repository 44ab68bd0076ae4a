import { closeSync, fsyncSync, mkdirSync, openSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { debug } from '../debug.js';
import { newSessionId, ownerLine, OWNER_FILE } from './journal-location.js';

/** Session directories this process writes: its own sessions are live whatever the pid file says. */
export const openSessions = new Set<string>();

/** fsyncs a directory, so that names created in it survive a power loss; a failure is only logged. */
export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    debug('journal directory fsync %s: %s', dir, (err as Error).message);
  }
}

/** Makes a new session directory under `journalDir`, owned by this process (its pid file), and returns it. */
export function openSessionDir(journalDir: string): string {
  const dir = join(journalDir, newSessionId());
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, OWNER_FILE), ownerLine());
  openSessions.add(dir);
  fsyncDir(journalDir);
  return dir;
}

/**
 * Releases a session directory at close: deleted when nothing in it waits, else its pid file goes,
 * so `runlog sync` may take the session over.
 */
export function releaseSessionDir(dir: string, nothingWaits: boolean): void {
  openSessions.delete(dir);
  try {
    if (nothingWaits) rmSync(dir, { recursive: true, force: true });
    else unlinkSync(join(dir, OWNER_FILE));
  } catch (err) {
    debug('journal close: %s', (err as Error).message);
  }
}
