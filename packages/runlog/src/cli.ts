#!/usr/bin/env node
import { Command } from 'commander';
import { RunlogClient } from '@runlog/core';
import { registerServeCommand } from './commands/serve.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSyncCommand } from './commands/sync.js';

const program = new Command();
program.name('runlog').description('runlog: MLflow-compatible experiment tracking for Node.js');

program
  .command('runs')
  .description('list the runs of an experiment')
  .option('--tracking-uri <uri>', 'tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
  .option('-e, --experiment-id <id>', 'experiment id', '0')
  .option('-f, --filter <filter>', "MLflow filter, e.g. \"metrics.acc > 0.9\"")
  .option('-n, --max-results <n>', 'how many runs', '20')
  .action(async (opts: { trackingUri?: string; experimentId: string; filter?: string; maxResults: string }) => {
    // Read-only: no journal.
    const client = new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
    try {
      const page = await client.searchRuns({
        experimentIds: [opts.experimentId],
        filter: opts.filter,
        maxResults: Number(opts.maxResults),
      });
      for (const run of page.items) {
        const metrics = Object.entries(run.data.metrics)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        console.log(`${run.info.runId}  ${run.info.status.padEnd(8)}  ${run.info.runName}  ${metrics}`);
      }
    } finally {
      await client.close();
    }
  });

registerServeCommand(program);
registerSyncCommand(program);
registerStatusCommand(program);

await program.parseAsync();
