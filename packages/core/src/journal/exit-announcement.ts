import { writeSync } from 'node:fs';
import type { RunEntry } from './run-entry.js';

/** The default exit-line sink: stderr, written synchronously (it runs from the process 'exit' event). */
export function stderrLine(line: string): void {
  try {
    writeSync(2, `${line}\n`);
  } catch {
    // stderr closed: nothing more to do
  }
}

/**
 * The exit contract: one line for what waits on disk, where, and the command that uploads it;
 * one for what is lost (records neither on disk nor taken by the server, which only a failed
 * journal leaves). Counted from what is durable, never from what was merely accepted.
 */
export function announceExit(
  runs: Iterable<RunEntry>,
  staged: number,
  session: { trackingUri: string; sessionDir: string; failed: Error | undefined; exitLine: (line: string) => void },
): void {
  let records = 0;
  let ends = 0;
  let lost = 0;
  let lostEnds = 0;
  for (const r of runs) {
    records += r.waitingOnDisk;
    lost += r.notDurable;
    if (r.endWaiting) {
      if (r.endDurable) ends++;
      else lostEnds++;
    }
  }
  const what = (n: number, e: number, a = 0) => {
    const parts = [`${n} record(s)`];
    if (e) parts.push(`${e} run end(s)`);
    if (a) parts.push(`${a} artifact upload(s)`);
    return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
  };
  if (records > 0 || ends > 0 || staged > 0) {
    session.exitLine(
      `runlog: ${what(records, ends, staged)} for ${session.trackingUri} wait in the journal ${session.sessionDir}; upload them with: npx runlog sync --journal ${JSON.stringify(session.sessionDir)}`,
    );
  }
  if (lost > 0 || lostEnds > 0) {
    const why = session.failed !== undefined ? `the journal could not be written: ${session.failed.message}` : 'they never reached the journal';
    session.exitLine(`runlog: ${what(lost, lostEnds)} could not be delivered to ${session.trackingUri} before exit and are lost (${why}).`);
  }
}
