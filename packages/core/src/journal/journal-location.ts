import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
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

/**
 * Who writes a session: `pid host start`, where start is the process's start time in clock ticks
 * since boot (Linux /proc), so a later process that got the same pid is not taken for the writer.
 */
export function ownerLine(): string {
  return `${process.pid} ${hostname()} ${processStart(process.pid) ?? '-'}\n`;
}

function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22; the command name (field 2) may hold spaces, so count from its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/**
 * The pid of the process still writing a session, or undefined when that process is gone (or runs
 * on another host, where it cannot be checked: the session is then treated as left behind).
 */
export function liveOwner(sessionDir: string, ownSessions: ReadonlySet<string> = new Set()): number | undefined {
  let fields: string[];
  try {
    fields = readFileSync(join(sessionDir, OWNER_FILE), 'utf8').trim().split(/\s+/);
  } catch {
    return undefined;
  }
  const pid = Number(fields[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid) return ownSessions.has(sessionDir) ? pid : undefined;
  if (fields[1] !== undefined && fields[1] !== hostname()) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const start = fields[2];
  if (start !== undefined && start !== '-') {
    const now = processStart(pid);
    if (now !== undefined && now !== start) return undefined;
  }
  return pid;
}
