import type { Command } from 'commander';
import { RunlogClient, type Run } from '@runlog/core';
import { commaList, integerAtLeast } from '../cli/option-parsers.js';
import { resolveExperiment } from '../cli/resolve-experiment.js';
import { formatDuration, formatNumber, formatTable, formatTime } from '../cli/table.js';

interface RunsOptions {
  trackingUri?: string;
  experiment: string;
  filter?: string;
  orderBy?: string[];
  maxResults: number;
  columns?: string[];
  json?: boolean;
}

/** Metric columns shown when --columns is not given: the first few metric keys of the listed runs. */
const DEFAULT_METRIC_COLUMNS = 4;

/**
 * `runlog runs`: the runs of one experiment (by name or id), newest first, as a table (run id,
 * name, status, start, duration, chosen params/metrics) or as JSON for scripts.
 */
export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list the runs of an experiment')
    .option('--tracking-uri <uri>', 'tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('-e, --experiment <name-or-id>', 'experiment name or id', '0')
    .option('-f, --filter <filter>', 'MLflow search filter, e.g. "metrics.acc > 0.9 and params.lr = \'0.1\'"')
    .option('-o, --order-by <clause>', 'order, e.g. "metrics.acc DESC" (repeatable, or comma-separated; default: newest first)', commaList)
    .option('-n, --max-results <n>', 'most runs to list', integerAtLeast(1), 20)
    .option(
      '-c, --columns <keys>',
      'comma-separated columns: params.<key>, metrics.<key>, tags.<key>, or a bare key (a metric if any run has it, else a param); default: the first metrics',
      commaList,
    )
    .option('--json', 'print the runs as JSON (MLflow entity fields in camelCase) instead of a table')
    .action(async (opts: RunsOptions) => {
      // Read-only: no journal.
      const client = new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
      try {
        const experiment = await resolveExperiment(client, opts.experiment);
        const page = await client.searchRuns({
          experimentIds: [experiment.experimentId],
          filter: opts.filter,
          orderBy: opts.orderBy,
          maxResults: opts.maxResults,
        });
        if (opts.json) {
          console.log(JSON.stringify(page.items, null, 2));
          return;
        }
        console.log(`experiment ${experiment.name} (id ${experiment.experimentId}): ${page.items.length} run(s)${page.nextPageToken ? ', more exist (raise -n)' : ''}`);
        if (page.items.length === 0) return;
        const columns = resolveColumns(opts.columns, page.items);
        const now = Date.now();
        const rows = page.items.map((run) => [
          run.info.runId,
          run.info.runName ?? '',
          run.info.status,
          formatTime(run.info.startTime),
          formatDuration(run.info.endTime ? run.info.endTime - run.info.startTime : run.info.status === 'RUNNING' ? now - run.info.startTime : undefined),
          ...columns.map((c) => cell(run, c)),
        ]);
        console.log(formatTable(['RUN ID', 'NAME', 'STATUS', 'START', 'DURATION', ...columns.map((c) => c.label)], rows));
      } finally {
        await client.close();
      }
    });
}

interface Column {
  label: string;
  kind: 'params' | 'metrics' | 'tags';
  key: string;
}

function resolveColumns(wanted: string[] | undefined, runs: Run[]): Column[] {
  if (wanted === undefined) {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.data.metrics)))].sort().slice(0, DEFAULT_METRIC_COLUMNS);
    return keys.map((key) => ({ label: key, kind: 'metrics', key }));
  }
  return wanted.map((w) => {
    const m = /^(params|metrics|tags)\.(.+)$/.exec(w);
    if (m) return { label: w, kind: m[1] as Column['kind'], key: m[2]! };
    const isMetric = runs.some((r) => w in r.data.metrics);
    return { label: w, kind: isMetric ? 'metrics' : 'params', key: w };
  });
}

function cell(run: Run, c: Column): string {
  if (c.kind === 'metrics') return formatNumber(run.data.metrics[c.key]);
  return (c.kind === 'params' ? run.data.params : run.data.tags)[c.key] ?? '';
}
