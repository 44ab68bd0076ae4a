import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { defaultJournalDir, publishLocalRuns, syncJournals } from '@runlog/core';
import { defaultPublishMarksDir } from '@runlog/core/internal';
import { UsageError } from '../cli/cli-errors.js';
import { integerAtLeast, positiveNumber } from '../cli/option-parsers.js';
import { createProgress, formatBytes } from '../cli/progress.js';

interface SyncOptions {
  journal?: string;
  to?: string;
  from?: string;
  runId?: string[];
  experimentId?: string[];
  includeDeleted?: boolean;
  timeout: number;
  concurrency: number;
  marks: boolean;
  quiet?: boolean;
}

/**
 * `runlog sync`: uploads journals that crashed or offline processes left (default), or publishes
 * runs of a local ./mlruns store to a server (--from). Both are idempotent: running it twice sends
 * nothing twice. Progress bars on a terminal (stderr); exit code 1 when something could not be
 * synced, or was lost to a damaged journal.
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
    .option('--no-marks', `with --from: check every run against the server, ignoring the progress marks in ${defaultPublishMarksDir()}`)
    .option('--timeout <seconds>', 'give up on a journal session after this long (it stays for the next sync)', positiveSeconds, 600)
    .option('--concurrency <n>', 'journal sessions replayed at once', integerAtLeast(1), 2)
    .option('-q, --quiet', 'no progress bars (they are only drawn on a terminal anyway)')
    .action(async (opts: SyncOptions) => {
      process.exitCode = opts.from !== undefined ? await publish(opts) : await replayJournals(opts);
    });
}

function positiveSeconds(value: string): number {
  try {
    return positiveNumber(value);
  } catch (err) {
    (err as Error).message = 'Expected a positive number of seconds.';
    throw err;
  }
}

async function replayJournals(opts: SyncOptions): Promise<number> {
  const progress = createProgress({
    quiet: opts.quiet,
    format: '{session} [{bar}] {percentage}% | {value}/{total} records | {bytes} of {totalBytes} | {runs} run(s)',
  });
  let results;
  try {
    results = await syncJournals({
      journal: opts.journal,
      to: opts.to,
      timeoutMs: opts.timeout * 1000,
      concurrency: opts.concurrency,
      onWarning: (m) => (progress.active ? undefined : console.error(`warning: ${m}`)),
      onProgress: (e) => {
        const payload = { session: basename(e.dir), bytes: formatBytes(e.bytes), totalBytes: formatBytes(e.totalBytes), runs: e.runs };
        if (e.stage === 'session-started') progress.start(e.dir, Math.max(e.totalRecords, 1), payload);
        else if (e.stage === 'records') progress.update(e.dir, e.records, payload);
        else progress.finish(e.dir);
      },
    });
  } finally {
    progress.close();
  }
  if (results.length === 0) {
    console.log(`Nothing to sync in ${opts.journal ?? defaultJournalDir()}.`);
    return 0;
  }
  let failed = 0;
  for (const r of results) {
    const where = `${r.dir} → ${opts.to ?? r.uri ?? '?'}`;
    if (r.outcome === 'synced') {
      const artifacts = r.artifacts > 0 ? ` and ${r.artifacts} staged artifact upload(s)` : '';
      console.log(`synced ${r.records} record(s)${artifacts} of ${r.runs} run(s): ${where}`);
    }
    else if (r.outcome === 'live') console.log(`skipped (its process still runs and uploads it): ${r.dir}`);
    else if (r.outcome === 'busy') console.log(`skipped (another sync is working on it): ${r.dir}`);
    else if (r.outcome === 'unreachable') {
      failed++;
      console.log(`not synced, the server did not answer (${r.problem}): ${where}`);
    } else {
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
  if (!to) throw new UsageError('sync --from needs a server: pass --to <uri> or set MLFLOW_TRACKING_URI.');
  const progress = createProgress({
    quiet: opts.quiet,
    format: 'publish [{bar}] {value}/{total} runs | {run} {stage} | {records} records, {files} files ({bytes}) sent',
  });
  let records = 0;
  let files = 0;
  let bytes = 0;
  let summary;
  try {
    summary = await publishLocalRuns({
      from: opts.from!,
      to,
      runIds: opts.runId,
      experimentIds: opts.experimentId,
      includeDeleted: opts.includeDeleted,
      marksDir: opts.marks ? defaultPublishMarksDir() : undefined,
      onProgress: (e) => {
        if (e.index === 1 && (e.stage === 'run-started' || e.stage === 'run-unchanged' || e.stage === 'run-skipped')) {
          progress.start('publish', e.total, { run: e.localId, stage: e.stage, records, files, bytes: formatBytes(bytes) });
        }
        if (e.stage === 'records-sent') records += e.records ?? 0;
        if (e.stage === 'artifacts-sent') {
          files += e.artifactFiles ?? 0;
          bytes += e.artifactBytes ?? 0;
        }
        const done = e.stage === 'run-done' || e.stage === 'run-unchanged' || e.stage === 'run-skipped';
        progress.update('publish', done ? e.index : e.index - 1, { run: e.localId, stage: e.stage, records, files, bytes: formatBytes(bytes) });
      },
    });
  } finally {
    progress.close();
  }
  let unchanged = 0;
  for (const run of summary.runs) {
    if (run.unchanged) unchanged++;
    else if (run.skipped) console.log(`skipped ${run.localId} (${run.skipped})`);
    else {
      const what = `${run.metrics} metric point(s), ${run.params} param(s), ${run.tags} tag(s), ${run.artifacts} artifact file(s)`;
      console.log(`${run.created ? 'published' : 'updated'} ${run.localId} → ${to} run ${run.serverId}: ${what}`);
    }
    for (const w of run.warnings) console.error(`  warning: ${w}`);
  }
  if (unchanged > 0) console.log(`${unchanged} run(s) unchanged since they were last published to ${to} (--no-marks checks them again)`);
  return 0;
}
