import { debug } from '../debug.js';
import { activeRun, endRun, startRunForAutolog, type ActiveRun } from '../fluent.js';
import type { RunStatus } from '../entities.js';
import type { AutologOptions } from './plugin.js';

/** A run an autologged operation logs into, and whether autolog owns (and so ends) it. */
export interface AutologRun {
  run: ActiveRun;
  owned: boolean;
}

/**
 * MLflow's run management for autologging: with no active run, start one tagged
 * `mlflow.autologging=<flavor>` (plus extraTags) that the caller ends when the operation ends;
 * with a user run active, log into it and leave it open, unless `exclusive`, in which case
 * nothing is logged (null).
 */
export async function beginAutologRun(flavor: string, opts: AutologOptions): Promise<AutologRun | null> {
  const current = activeRun();
  if (current) return opts.exclusive ? null : { run: current, owned: false };
  const run = await startRunForAutolog({
    tags: { ...opts.extraTags, 'mlflow.autologging': flavor },
    logSystemMetrics: opts.logSystemMetrics,
  });
  return { run, owned: true };
}

/** Ends a run autolog owns (FINISHED, or FAILED when the operation threw); leaves user runs open. */
export async function finishAutologRun(handle: AutologRun | null, status: RunStatus = 'FINISHED'): Promise<void> {
  if (!handle?.owned) return;
  await endRun(status, { run: handle.run });
}

const warned = new Set<string>();

/**
 * Reports a failure inside a plugin once per (plugin, message) on stderr, unless silent; always
 * to NODE_DEBUG=runlog. Plugins call this instead of throwing into the user's training.
 */
export function warnOnce(plugin: string, err: unknown, silent = false): void {
  const message = err instanceof Error ? err.message : String(err);
  debug('autolog %s: %s', plugin, message);
  const key = `${plugin}\0${message}`;
  if (silent || warned.has(key)) return;
  warned.add(key);
  process.stderr.write(`runlog autolog (${plugin}): ${message}\n`);
}
