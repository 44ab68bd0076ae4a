import type { Command } from 'commander';
import { RunlogClient, type Experiment, type ViewType } from '@runlog/core';
import { integerAtLeast } from '../cli/option-parsers.js';
import { formatTable, formatTime } from '../cli/table.js';

interface ExperimentsOptions {
  trackingUri?: string;
  filter?: string;
  maxResults: number;
  all?: boolean;
  json?: boolean;
}

/** `runlog experiments`: the experiments of a tracking store (id, name, creation time, artifact location). */
export function registerExperimentsCommand(program: Command): void {
  program
    .command('experiments')
    .description('list experiments')
    .option('--tracking-uri <uri>', 'tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('-f, --filter <filter>', 'MLflow experiment filter, e.g. "name LIKE \'exp%\'"')
    .option('-n, --max-results <n>', 'most experiments to list', integerAtLeast(1), 100)
    .option('-a, --all', 'include deleted experiments')
    .option('--json', 'print the experiments as JSON instead of a table')
    .action(async (opts: ExperimentsOptions) => {
      const client = new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
      try {
        const viewType: ViewType = opts.all ? 'ALL' : 'ACTIVE_ONLY';
        const page = await client.searchExperiments({ filter: opts.filter, maxResults: opts.maxResults, viewType, orderBy: ['experiment_id ASC'] });
        const items: Experiment[] = page.items;
        if (opts.json) {
          console.log(JSON.stringify(items, null, 2));
          return;
        }
        if (items.length === 0) {
          console.log(`No experiments at ${client.trackingUri}.`);
          return;
        }
        const rows = items.map((e) => [e.experimentId, e.name, formatTime(e.creationTime), e.lifecycleStage, e.artifactLocation]);
        console.log(formatTable(['ID', 'NAME', 'CREATED', 'STAGE', 'ARTIFACT LOCATION'], rows));
        if (page.nextPageToken) console.log(`(more experiments exist: raise -n)`);
      } finally {
        await client.close();
      }
    });
}
