import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { defaultJournalDir, publishLocalRuns, syncJournals } from '@runlog/core';
import { UsageError } from '../cli/cli-errors.js';

interface SyncOptions {
  journal?: string;
  to?: string;
  from?: string;
  runId?: string[];
  experimentId?: string[];
  includeDeleted?: boolean;
  timeout: number;
  quiet?: boolean;
}

/**
 * `runlog sync`: uploads journals that crashed or offline processes left (default), or publishes
 * runs of a local ./mlruns store to a server (--from). Both are idempotent: running it twice sends
 * nothing twice. Exit code 1 when something could not be synced.
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
    .option('--timeout <seconds>', 'give up on a journal session after this long (it stays for the next sync)', positiveSeconds, 600)
    .action(async (opts: SyncOptions) => {
      process.exitCode = opts.from !== undefined ? await publish(opts) : await replayJournals(opts);
    });
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('Expected a positive number of seconds.');
  return n;
}

async function replayJournals(opts: SyncOptions): Promise<number> {
  const seconds = opts.timeout;
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
  }
  return failed > 0 ? 1 : 0;
}

async function publish(opts: SyncOptions): Promise<number> {
  const to = opts.to ?? process.env.MLFLOW_TRACKING_URI;
  if (!to) throw new UsageError('sync --from needs a server: pass --to <uri> or set MLFLOW_TRACKING_URI.');
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
