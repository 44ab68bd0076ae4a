import { InvalidArgumentError, RunlogClient, type Run, type RunStatus } from '@runlog/core';
import { validateKey } from '@runlog/core/internal';
import { checkParameters } from './parameters.js';
import { shellQuote } from './shell-quote.js';
import { projectRunTags } from './project-tags.js';
import { launchRun, prepareProject, type RunProjectOptions } from './run-project.js';
import type { SubmittedRun } from './submitted-run.js';
import { comboKey, sweepCombinations, sweepIdentity, sweepSpace, type SweepMode } from './sweep-space.js';

export const SWEEP_ID_TAG = 'runlog.sweep.id';
export const SWEEP_ROLE_TAG = 'runlog.sweep.role';
export const SWEEP_COMBO_TAG = 'runlog.sweep.combo';
export const SWEEP_BEST_RUN_TAG = 'runlog.sweep.bestRunId';

/** Options of runSweep(): a project run whose `-P` values are comma-separated lists. */
export interface SweepOptions extends Omit<RunProjectOptions, 'parameters' | 'runId' | 'parentRunId'> {
  /** `{lr: '0.1,0.01', layers: '2,3'}`: each value a comma-separated list of the values to try. */
  parameters: Record<string, string>;
  mode: SweepMode;
  /** Random: how many combinations to draw (default 10); grid: at most this many. */
  trials?: number | undefined;
  /** Children running at once (default 1). */
  maxParallel?: number | undefined;
  /** The metric that ranks children (read from each child run at its end) and its direction. */
  metric?: string | undefined;
  metricMode?: 'min' | 'max' | undefined;
  /** Random: seed of the draw; default derived from the sweep itself, so a rerun draws the same. */
  seed?: number | undefined;
  /** Called as each child starts and ends (the CLI prints progress). */
  onChild?: ((event: { phase: 'start' | 'end'; child: SweepChild }) => void) | undefined;
}

/** One combination of a sweep. */
export interface SweepChild {
  runId: string;
  params: Record<string, string>;
  status: RunStatus;
  /** The ranking metric's latest value, if the child logged it. */
  metric: number | undefined;
  /** True when a previous run of the sweep had finished it (it was not run again). */
  reused: boolean;
}

export interface SweepResult {
  parentRunId: string;
  /** Every combination, best first when a metric ranks them (children without it last). */
  children: SweepChild[];
  best: SweepChild | undefined;
  /** FINISHED when every child finished, KILLED when interrupted, else FAILED. */
  status: 'FINISHED' | 'FAILED' | 'KILLED';
}

/**
 * A sweep: each combination of the parameter lists runs as a nested child of one parent run. A
 * rerun of the same sweep (same project, entry point, version, lists and mode) finds its parent
 * by the `runlog.sweep.id` tag and skips the children that FINISHED. At the end the parent gets
 * the best child's params, its metric and the tag `runlog.sweep.bestRunId`.
 */
export class Sweep {
  private readonly running = new Set<SubmittedRun>();
  private stopped: NodeJS.Signals | undefined;

  constructor(private readonly opts: SweepOptions) {}

  /** Forwards `signal` to the running children and starts no more (how the CLI handles SIGINT/SIGTERM). */
  signal(signal: NodeJS.Signals): void {
    this.stopped = signal;
    for (const child of this.running) child.signal(signal);
  }

  async run(): Promise<SweepResult> {
    const opts = this.opts;
    if (opts.experimentName !== undefined && opts.experimentId !== undefined) throw new InvalidArgumentError("Specify only one of 'experimentName' or 'experimentId'.");
    const maxParallel = opts.maxParallel ?? 1;
    if (!Number.isInteger(maxParallel) || maxParallel < 1) throw new InvalidArgumentError('maxParallel must be a whole number of at least 1.');
    if (opts.trials !== undefined && (!Number.isInteger(opts.trials) || opts.trials < 1)) throw new InvalidArgumentError('trials must be a whole number of at least 1.');
    const space = sweepSpace(opts.parameters);
    const prepared = await prepareProject(opts);
    const ownClient = opts.client === undefined;
    const client = opts.client ?? new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
    try {
      const identityParts = { source: prepared.fetched.sourceName, entryPoint: prepared.entry.name, version: opts.version ?? null, mode: opts.mode, trials: opts.trials ?? null, space };
      const id = sweepIdentity({ ...identityParts, seed: opts.seed ?? null });
      const seed = opts.seed ?? parseInt(id.slice(0, 8), 16);
      const combos = sweepCombinations(space, opts.mode, { trials: opts.trials, seed });
      // Every combination is checked before the parent exists: a bad value leaves no run behind.
      for (const combo of combos) checkParameters(prepared.entry, combo, prepared.cwd);
      for (const key of Object.keys(space)) validateKey('param', shellQuote(key));
      const experimentId = await experimentIdOf(client, opts);
      const parent = await findOrCreateParent(client, experimentId, id, opts, projectRunTags({ fetched: prepared.fetched, entryPoint: prepared.entry.name, env: prepared.env }));
      const finished = await finishedChildren(client, experimentId, parent);
      const children: SweepChild[] = [];
      const queue = combos.map((params) => ({ params, key: comboKey(params) }));
      const worker = async () => {
        for (let next = queue.shift(); next !== undefined && this.stopped === undefined; next = queue.shift()) {
          const done = finished.get(next.key);
          if (done !== undefined) {
            children.push({ runId: done.info.runId, params: next.params, status: done.info.status, metric: metricOf(done, opts.metric), reused: true });
            continue;
          }
          const submitted = await launchRun(
            prepared,
            {
              ...opts,
              client,
              experimentId,
              experimentName: undefined,
              parameters: next.params,
              parentRunId: parent,
              runName: Object.entries(next.params).map(([k, v]) => `${k}=${v}`).join(' '),
              tags: { ...opts.tags, [SWEEP_COMBO_TAG]: next.key },
            },
            { cleanupProject: false },
          );
          this.running.add(submitted);
          const child: SweepChild = { runId: submitted.runId, params: next.params, status: 'RUNNING', metric: undefined, reused: false };
          opts.onChild?.({ phase: 'start', child });
          const outcome = await submitted.result();
          this.running.delete(submitted);
          child.status = outcome.status;
          child.metric = metricOf(await client.getRun(submitted.runId), opts.metric);
          children.push(child);
          opts.onChild?.({ phase: 'end', child });
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(maxParallel, combos.length) }, () => worker()));
      } catch (err) {
        // A child that could not start (a download failed, the server went away): stop the others
        // and leave the parent FAILED, not RUNNING.
        this.signal('SIGTERM');
        await Promise.allSettled([...this.running].map((r) => r.result()));
        await client.setTerminated(parent, 'FAILED').catch(() => undefined);
        throw err;
      }
      const ranked = rank(children, opts.metric, opts.metricMode ?? 'min');
      const best = opts.metric === undefined ? undefined : ranked.find((c) => c.status === 'FINISHED' && c.metric !== undefined);
      if (best !== undefined) await recordBest(client, parent, best, opts.metric!);
      const status = this.stopped !== undefined ? 'KILLED' : children.length === combos.length && children.every((c) => c.status === 'FINISHED') ? 'FINISHED' : 'FAILED';
      await client.setTerminated(parent, status);
      return { parentRunId: parent, children: ranked, best, status };
    } finally {
      await prepared.cleanup();
      if (ownClient) await client.close();
    }
  }
}

/** Runs a sweep to its end (see Sweep). */
export function runSweep(opts: SweepOptions): Promise<SweepResult> {
  return new Sweep(opts).run();
}

async function experimentIdOf(client: RunlogClient, opts: SweepOptions): Promise<string> {
  if (opts.experimentId !== undefined) return opts.experimentId;
  const name = opts.experimentName ?? (process.env.MLFLOW_EXPERIMENT_ID ? undefined : process.env.MLFLOW_EXPERIMENT_NAME);
  if (name === undefined) return process.env.MLFLOW_EXPERIMENT_ID || '0';
  return (await client.getExperimentByName(name))?.experimentId ?? (await client.createExperiment(name));
}

async function searchAll(client: RunlogClient, experimentId: string, filter: string): Promise<Run[]> {
  const runs: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchRuns({ experimentIds: [experimentId], filter, maxResults: 1000, pageToken });
    runs.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return runs;
}

async function findOrCreateParent(client: RunlogClient, experimentId: string, id: string, opts: SweepOptions, projectTags: Record<string, string>): Promise<string> {
  const found = (await searchAll(client, experimentId, `tags.\`${SWEEP_ID_TAG}\` = '${id}'`)).filter((r) => r.data.tags[SWEEP_ROLE_TAG] === 'parent');
  found.sort((a, b) => a.info.startTime - b.info.startTime);
  const existing = found[0];
  if (existing !== undefined) {
    await client.updateRun(existing.info.runId, { status: 'RUNNING' });
    return existing.info.runId;
  }
  const created = await client.createRun(experimentId, {
    runName: opts.runName,
    tags: { ...projectTags, ...opts.tags, [SWEEP_ID_TAG]: id, [SWEEP_ROLE_TAG]: 'parent', 'runlog.sweep.mode': opts.mode },
  });
  return created.info.runId;
}

/** The FINISHED children of `parent`, by combination (the first one of each). */
async function finishedChildren(client: RunlogClient, experimentId: string, parent: string): Promise<Map<string, Run>> {
  const out = new Map<string, Run>();
  for (const r of await searchAll(client, experimentId, `tags.\`mlflow.parentRunId\` = '${parent}'`)) {
    const key = r.data.tags[SWEEP_COMBO_TAG];
    if (key !== undefined && r.info.status === 'FINISHED' && !out.has(key)) out.set(key, r);
  }
  return out;
}

function metricOf(run: Run, metric: string | undefined): number | undefined {
  return metric === undefined ? undefined : run.data.metrics[metric];
}

function rank(children: SweepChild[], metric: string | undefined, mode: 'min' | 'max'): SweepChild[] {
  if (metric === undefined) return children;
  return [...children].sort((a, b) => {
    if (a.metric === undefined || Number.isNaN(a.metric)) return b.metric === undefined || Number.isNaN(b.metric) ? 0 : 1;
    if (b.metric === undefined || Number.isNaN(b.metric)) return -1;
    return mode === 'min' ? a.metric - b.metric : b.metric - a.metric;
  });
}

/**
 * The best child's params (params are immutable: ones the parent holds already with another value,
 * after a resumed sweep found a new best, are left and a warning says so), its metric under the
 * same key, and its run id as a tag.
 */
async function recordBest(client: RunlogClient, parent: string, best: SweepChild, metric: string): Promise<void> {
  const current = await client.getRun(parent);
  client.setTag(parent, SWEEP_BEST_RUN_TAG, best.runId);
  const params = [];
  for (const [key, value] of Object.entries(best.params)) {
    const had = current.data.params[key];
    if (had === undefined) params.push({ key, value });
    else if (had !== value) process.emitWarning(`The sweep's parent ${parent} keeps param ${key}=${had}; the new best child ${best.runId} has ${value} (see its ${SWEEP_BEST_RUN_TAG} tag).`, { code: 'RUNLOG_SWEEP_BEST' });
  }
  if (params.length > 0) client.logBatch(parent, { params });
  client.logMetric(parent, metric, best.metric!);
}
