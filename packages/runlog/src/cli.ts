#!/usr/bin/env node
/**
 * The `runlog` command. Exit codes: 0 success, 1 failure (the server refused or could not be
 * reached, something could not be synced, an unknown experiment or model), 2 usage (an unknown
 * option, a value that is not a number, a bad filter). Errors print one or two lines without a
 * stack; `--debug` or RUNLOG_DEBUG=1 adds the stack.
 */
import { createRequire } from 'node:module';
import { Command } from 'commander';
import { debugRequested, reportError } from './cli/cli-errors.js';
import { registerExperimentsCommand } from './commands/experiments.js';
import { registerModelsCommand } from './commands/models.js';
import { registerRunsCommand } from './commands/runs.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatusCommand } from './commands/status.js';
import { registerSyncCommand } from './commands/sync.js';
import { registerUiCommand } from './commands/ui.js';

// src/cli.ts and dist/cli.js both sit one folder below package.json.
const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = new Command();
program
  .name('runlog')
  .description('runlog: MLflow-compatible experiment tracking for Node.js')
  .version(version, '-V, --version', 'print the runlog version')
  .option('--debug', 'print stack traces of errors (also RUNLOG_DEBUG=1)')
  .helpOption('-h, --help', 'display help for command')
  .showSuggestionAfterError(true)
  // Throw instead of exiting, so that one handler below decides the exit code; subcommands
  // inherit this setting because it is made before they are added.
  .exitOverride()
  .addHelpText(
    'after',
    '\nExit codes: 0 success, 1 failure, 2 usage error.\nRun `runlog <command> --help` for the options of a command.',
  );

registerRunsCommand(program);
registerExperimentsCommand(program);
registerModelsCommand(program);
registerSyncCommand(program);
registerStatusCommand(program);
registerServeCommand(program);
registerUiCommand(program);

const argv = process.argv.slice(2);
// `serve` uses -h for the host, as `mlflow models serve` does; a bare `-h` with no host after it
// can only be a request for help.
if (argv[0] === 'serve' && argv.at(-1) === '-h') argv[argv.length - 1] = '--help';

try {
  await program.parseAsync(argv, { from: 'user' });
} catch (err) {
  process.exitCode = reportError(err, debugRequested(process.argv, process.env));
}
