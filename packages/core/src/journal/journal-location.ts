import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

/**
 * Where journals live: RUNLOG_JOURNAL_DIR, else `$XDG_STATE_HOME/runlog/journal` (default
 * `~/.local/state/runlog/journal`). State, not cache: deleting it loses records not yet uploaded.
 * One directory per process session, so concurrent trainings never share a file.
 */
export function defaultJournalDir(env: Env = process.env): string {
  if (env.RUNLOG_JOURNAL_DIR) return env.RUNLOG_JOURNAL_DIR;
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'runlog', 'journal');
}

export function newSessionId(now = Date.now()): string {
  return `${now.toString(36)}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The file holding the owning process's pid while it writes the session. */
export const OWNER_FILE = 'owner.pid';

export const SEGMENT_SUFFIX = '.wal';

export function segmentName(index: number): string {
  return `${String(index).padStart(6, '0')}${SEGMENT_SUFFIX}`;
}

/** Segment files of a session in order. */
export function listSegments(sessionDir: string): string[] {
  try {
    return readdirSync(sessionDir)
      .filter((n) => n.endsWith(SEGMENT_SUFFIX))
      .sort();
  } catch {
    return [];
  }
}

/** Session directories under a journal directory (those holding at least one segment). */
export function listSessions(journalDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(journalDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
  return names.filter((n) => listSegments(join(journalDir, n)).length > 0);
}

/** The pid that owns a session, if its process still runs on this machine. */
export function liveOwner(sessionDir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(sessionDir, OWNER_FILE), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return pid === process.pid ? pid : undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}
