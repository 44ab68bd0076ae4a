import { dirname } from 'node:path';
import type { Command } from 'commander';
import { defaultJournalDir, publishLocalRuns, syncJournals } from '@runlog/core';

interface SyncOptions {
  journal?: string;
  to?: string;
  from?: string;
  runId?: string[];
  experimentId?: string[];
  includeDeleted?: boolean;
  timeout: string;
}

/**
 * `runlog sync`: uploads journals that crashed or offline processes left (default), or publishes
 * runs of a local ./mlruns store to a server (--from). Both are idempotent: running it twice sends
 * nothing twice. Exit code 1 when something could not be synced, or was lost to a damaged journal.
 */
export function registerSyncCommand(program: Command): void {
  program
    .command('sync')
    .description('upload records left in the journal by crashed or offline processes, or publish a local ./mlruns store (--from) to a server')
    .option('--journal <dir>', `journal directory or one session of it (default: RUNLOG_JOURNAL_DIR, else ${defaultJournalDir()})`)
    .option('--to <uri>', 'tracking server to upload to (default: the server each journal was written for; with --from: MLFLOW_TRACKING_URI)')
    .option('--from <mlruns>', 'publish the runs of this local store (a path or file: URI) instead of replaying journals')
    .option('--run-id <id...>', 'with --from: only these runs')
    .option('--experiment-id <id...>', 'with --from: only the runs of these experiments')
    .option('--include-deleted', 'with --from: also publish deleted runs (deleted on the server too)')
    .option('--timeout <seconds>', 'give up on a journal session after this long (it stays for the next sync)', '600')
    .action(async (opts: SyncOptions) => {
      process.exitCode = opts.from !== undefined ? await publish(opts) : await replayJournals(opts);
    });
}

async function replayJournals(opts: SyncOptions): Promise<number> {
  const seconds = Number(opts.timeout);
  if (!(seconds > 0)) {
    console.error(`runlog sync: --timeout must be a positive number of seconds, not '${opts.timeout}'.`);
    return 2;
  }
  const results = await syncJournals({
    journal: opts.journal,
    to: opts.to,
    timeoutMs: seconds * 1000,
    onWarning: (m) => console.error(`warning: ${m}`),
  });
  if (results.length === 0) {
    console.log(`Nothing to sync in ${opts.journal ?? defaultJournalDir()}.`);
    return 0;
  }
  let failed = 0;
  for (const r of results) {
    const where = `${r.dir} → ${opts.to ?? r.uri ?? '?'}`;
    if (r.outcome === 'synced') console.log(`synced ${r.records} record(s) of ${r.runs} run(s): ${where}`);
    else if (r.outcome === 'live') console.log(`skipped (its process still runs and uploads it): ${r.dir}`);
    else if (r.outcome === 'busy') console.log(`skipped (another sync is working on it): ${r.dir}`);
    else if (r.outcome === 'unreachable') {
      failed++;
      console.log(`not synced, the server did not answer (${r.problem}): ${where}`);
    }
    else {
      failed++;
      console.log(`incomplete, kept for the next sync: ${where}${r.problem ? ` (${r.problem})` : ''}`);
    }
    if (r.refused > 0) console.log(`  ${r.refused} record(s) were refused by the server as invalid and dropped`);
    // Damage is a failure of the sync even when the rest landed: the user must hear of it.
    if (r.lost > 0 || r.corruptFrames > 0) {
      failed++;
      console.log(`  ${r.lost} record(s) lost in ${r.corruptFrames} damaged frame(s)${r.quarantined.length ? `; damaged segment(s) kept in ${dirname(r.quarantined[0]!)}` : ''}`);
    }
  }
  return failed > 0 ? 1 : 0;
}

async function publish(opts: SyncOptions): Promise<number> {
  const to = opts.to ?? process.env.MLFLOW_TRACKING_URI;
  if (!to) {
    console.error('runlog sync --from needs a server: pass --to <uri> or set MLFLOW_TRACKING_URI.');
    return 2;
  }
  const summary = await publishLocalRuns({ from: opts.from!, to, runIds: opts.runId, experimentIds: opts.experimentId, includeDeleted: opts.includeDeleted });
  for (const run of summary.runs) {
    if (run.skipped) console.log(`skipped ${run.localId} (${run.skipped})`);
    else {
      const what = `${run.metrics} metric point(s), ${run.params} param(s), ${run.tags} tag(s), ${run.artifacts} artifact file(s)`;
      console.log(`${run.created ? 'published' : 'updated'} ${run.localId} → ${to} run ${run.serverId}: ${what}`);
    }
    for (const w of run.warnings) console.error(`  warning: ${w}`);
  }
  return 0;
}
