import { Option, type Command } from 'commander';
import type { SubmittedRun, Sweep, SweepResult } from '@runlog/projects';
import { UsageError } from '../cli/cli-errors.js';
import { integerAtLeast } from '../cli/option-parsers.js';
import { formatNumber, formatTable } from '../cli/table.js';

interface RunCliOptions {
  entryPoint: string;
  param: string[];
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager?: string;
  version?: string;
  trackingUri?: string;
  sweep?: 'grid' | 'random';
  trials?: number;
  maxParallel?: number;
  metric?: string;
  mode: 'min' | 'max';
  seed?: number;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * `runlog run <uri>`: an MLproject entry point as a tracked run, as `mlflow run` (backend local)
 * does; with `--sweep`, every combination of comma-separated `-P` lists as nested runs. The
 * command's output is streamed; SIGINT and SIGTERM are forwarded to it. Exit code: the command's
 * own (128 + signal number when a signal ended it); a sweep exits 0 when every child finished, else 1.
 */
export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run an MLproject entry point (local folder or git repository) as a tracked run; --sweep runs a parameter grid as nested runs')
    .argument('<uri>', 'project: a local folder, or a git repository path or URL; #subdir selects a folder in it')
    .option('-e, --entry-point <name>', 'entry point, or a script file of the project (.js, .mjs, .ts, .py, .sh)', 'main')
    .option('-P, --param <name=value>', 'a parameter (repeatable); with --sweep, a comma-separated list of values', collect, [])
    .option('--experiment-name <name>', 'experiment to run in (created if missing)')
    .option('--experiment-id <id>', 'experiment id to run in (default: MLFLOW_EXPERIMENT_ID, else 0)')
    .option('--run-name <name>', 'name of the run (of the parent run, in a sweep)')
    .addOption(new Option('--env-manager <manager>', 'npm (npm ci into a cache keyed by lockfile and Node version; default with a lockfile) or local').choices(['local', 'npm']))
    .option('--version <ref>', 'git commit, branch or tag to run (git projects)')
    .option('--tracking-uri <uri>', 'tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .addOption(new Option('--sweep <mode>', 'run every combination of the -P lists (grid) or --trials random ones, each as a nested run').choices(['grid', 'random']))
    .option('--trials <n>', 'random sweep: combinations to draw (default 10); grid: at most this many', integerAtLeast(1))
    .option('--max-parallel <n>', 'sweep: children running at once (default 1)', integerAtLeast(1))
    .option('--metric <key>', "sweep: metric that ranks the children (each child's latest value)")
    .addOption(new Option('--mode <mode>', 'sweep: whether the lowest or the highest --metric is best').choices(['min', 'max']).default('min'))
    .addOption(new Option('--debug', 'print stack traces of errors (also RUNLOG_DEBUG=1)').hideHelp())
    .option('--seed <n>', 'random sweep: seed of the draw (default: derived from the sweep, so a rerun draws the same)', integerAtLeast(0))
    .action(async (uri: string, opts: RunCliOptions) => {
      if (opts.experimentName !== undefined && opts.experimentId !== undefined) {
        throw new UsageError("Specify only one of '--experiment-name' or '--experiment-id'.");
      }
      if (opts.sweep === undefined && (opts.trials !== undefined || opts.maxParallel !== undefined || opts.metric !== undefined || opts.seed !== undefined)) {
        throw new UsageError('--trials, --max-parallel, --metric and --seed need --sweep grid or --sweep random.');
      }
      const projects = await import('@runlog/projects');
      const parameters = projects.parseParameterArgs(opts.param);
      const common = {
        uri,
        entryPoint: opts.entryPoint,
        version: opts.version,
        envManager: opts.envManager,
        experimentName: opts.experimentName,
        experimentId: opts.experimentId,
        runName: opts.runName,
        trackingUri: opts.trackingUri,
      };
      if (opts.sweep !== undefined) {
        const sweep = new projects.Sweep({
          ...common,
          parameters,
          mode: opts.sweep,
          trials: opts.trials,
          maxParallel: opts.maxParallel,
          metric: opts.metric,
          metricMode: opts.mode,
          seed: opts.seed,
          onChild: ({ phase, child }) => {
            const params = Object.entries(child.params).map(([k, v]) => `${k}=${v}`).join(' ');
            console.error(phase === 'start' ? `runlog run: child ${child.runId} started (${params})` : `runlog run: child ${child.runId} ${child.status} (${params})`);
          },
        });
        const result = await withForwardedSignals(sweep, () => sweep.run());
        printSweep(result, opts.metric);
        process.exitCode = result.status === 'FINISHED' ? 0 : 1;
        return;
      }
      // MLFLOW_RUN_ID set by a caller (an outer `mlflow run`, a scheduler) names the run to use.
      const submitted = await projects.run({ ...common, parameters, runId: process.env.MLFLOW_RUN_ID || undefined });
      console.error(`runlog run: run ${submitted.runId} (experiment ${submitted.experimentId}) started`);
      const outcome = await withForwardedSignals(submitted, () => submitted.result());
      console.error(`runlog run: run ${submitted.runId} ${outcome.status}${outcome.status === 'FINISHED' ? '' : ` (exit code ${outcome.exitCode})`}`);
      process.exitCode = outcome.exitCode;
    });
}

/** While `work` runs, SIGINT and SIGTERM go to the command (or the sweep's children) instead of ending this process. */
async function withForwardedSignals<T>(target: SubmittedRun | Sweep, work: () => Promise<T>): Promise<T> {
  const forward = (signal: NodeJS.Signals) => {
    console.error(`runlog run: ${signal}, passing it on`);
    target.signal(signal);
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    return await work();
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
}

function printSweep(result: SweepResult, metric: string | undefined): void {
  const paramNames = [...new Set(result.children.flatMap((c) => Object.keys(c.params)))];
  const headers = ['RUN ID', 'STATUS', ...paramNames, ...(metric === undefined ? [] : [metric])];
  const rows = result.children.map((c) => [
    c.runId,
    c.reused ? `${c.status} (earlier)` : c.status,
    ...paramNames.map((p) => c.params[p] ?? ''),
    ...(metric === undefined ? [] : [formatNumber(c.metric)]),
  ]);
  console.log(formatTable(headers, rows));
  const best = result.best === undefined ? '' : `; best ${result.best.runId} (${metric} ${formatNumber(result.best.metric)})`;
  console.log(`sweep ${result.parentRunId} ${result.status}: ${result.children.length} children${best}`);
}
