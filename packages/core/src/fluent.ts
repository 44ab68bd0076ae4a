import type { RunlogClientOptions } from './client.js';
import { debug } from './debug.js';
import type { RunInfo, RunStatus } from './entities.js';
import { InvalidArgumentError, RunAlreadyActiveError, UnsentRecordsError } from './errors.js';
import { ExitHooks } from './exit-hooks.js';
import { resolveExperiment } from './fluent-experiment.js';
import { ActiveRun, currentStack, fluentState as state, getClient, scopes, type Stack } from './fluent-state.js';
import { defaultRunTags } from './run-context-tags.js';
import { environmentTags } from './run-environment-tags.js';
import { startRunSystemMetrics, stopRunSystemMetrics } from './system-metrics/run-system-metrics.js';
import { systemMetricsSettings, systemMetricsWanted } from './system-metrics/system-metrics-config.js';

/**
 * The fluent API: module-level functions over an active run, like `mlflow.*` in Python.
 * This module holds the run lifecycle (start, end, withRun, exit cleanup, shutdown) and the client
 * settings, and re-exports the rest: the shared state and active-run stacks (fluent-state),
 * experiment selection (fluent-experiment), logging on the active run (fluent-logging) and reads
 * (fluent-reads).
 */

export { ActiveRun, getClient, lastActiveRun, activeRun } from './fluent-state.js';
export { createExperiment, getExperimentByName, setExperiment } from './fluent-experiment.js';
export {
  logMetric,
  logMetrics,
  logParam,
  logParams,
  setTag,
  setTags,
  deleteTag,
  logArtifact,
  logArtifacts,
  logText,
  logInput,
  logInputs,
  logDict,
} from './fluent-logging.js';
export {
  type FluentSearchRunsOptions,
  getRun,
  getMetricHistory,
  listArtifacts,
  downloadArtifacts,
  searchRuns,
  searchLoggedModels,
  getLoggedModel,
  setLoggedModelTags,
} from './fluent-reads.js';

export interface StartRunOptions {
  runName?: string | undefined;
  experimentName?: string | undefined;
  experimentId?: string | undefined;
  tags?: Record<string, string> | undefined;
  /** Start under the active run (sets mlflow.parentRunId). */
  nested?: boolean | undefined;
  /** Resume an existing run instead of creating one. */
  runId?: string | undefined;
  description?: string | undefined;
  /**
   * Log system metrics (CPU, memory, disk, network, GPUs, Node's event loop and heap) while the
   * run is active. Default: MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING (see enableSystemMetricsLogging).
   */
  logSystemMetrics?: boolean | undefined;
}

/** Options of endRun(). */
export interface EndRunOptions {
  /** How long to wait for the run's records to land. Default 30 s. */
  timeoutMs?: number | undefined;
}

const hooks = new ExitHooks({
  async onBeforeExit() {
    state.exiting = true;
    await endAllRunsWithin('FINISHED');
  },
  async onSignal() {
    state.exiting = true;
    await endAllRunsWithin('KILLED');
    // The signal is re-raised next and kills the process without an 'exit' event: close the
    // journal now, so what is unsent is on disk and marked ready for `runlog sync`.
    state.defaultClient?.journal?.close();
  },
});

/** Sets the tracking URI for runs started from now on (a path, file: URI, or http(s) server). */
export function setTrackingUri(uri: string | undefined): void {
  if (state.liveRuns.size > 0) {
    throw new InvalidArgumentError('Cannot change the tracking URI while runs are active; end them first.');
  }
  const old = state.defaultClient;
  state.defaultClient = undefined;
  state.trackingUri = uri;
  state.activeExperimentId = undefined;
  state.activeExperimentName = undefined;
  if (old) void old.close().catch((err: Error) => debug('closing previous client: %s', err.message));
}

/** The tracking URI the fluent API uses (set by setTrackingUri, else MLFLOW_TRACKING_URI, else ./mlruns). */
export function getTrackingUri(): string {
  return getClient().trackingUri;
}

/** Options for the fluent API's client (uploader tuning, onError). Takes effect for the next client. */
export function configure(opts: Omit<RunlogClientOptions, 'trackingUri' | 'store'> & { exitDeadlineMs?: number }): void {
  const { exitDeadlineMs: deadline, ...rest } = opts;
  if (deadline !== undefined) state.exitDeadlineMs = deadline;
  state.clientOptions = rest;
}

/**
 * Starts a run and makes it the active run of this context. `nested: true` starts it under the
 * active run; without it, starting while a run is active throws RunAlreadyActiveError.
 * `runId` (or MLFLOW_RUN_ID, for the first run) resumes an existing run.
 */
export async function startRun(opts: StartRunOptions = {}): Promise<ActiveRun> {
  const stack = currentStack();
  const parent = stack[stack.length - 1];
  if (parent && !opts.nested) throw new RunAlreadyActiveError(parent.runId);
  // A top-level start is reserved before the first await, so a second concurrent top-level start
  // in the same context is refused at once instead of both creating runs.
  if (!opts.nested) {
    if (startingTopLevel.has(stack)) throw new RunAlreadyActiveError('(being started)');
    startingTopLevel.add(stack);
  }
  try {
    return await startRunReserved(stack, parent, opts);
  } finally {
    if (!opts.nested) startingTopLevel.delete(stack);
  }
}

/** Stacks on which a top-level run is being started (see startRun). */
const startingTopLevel = new WeakSet<Stack>();

/**
 * startRun without the concurrent-start reservation, for autolog plugins: two fits running at
 * once with no active run each get a run of their own. For plugins; not part of the documented API.
 */
export async function startRunForAutolog(opts: StartRunOptions): Promise<ActiveRun> {
  const stack = currentStack();
  const parent = stack[stack.length - 1];
  if (parent && !opts.nested) throw new RunAlreadyActiveError(parent.runId);
  return startRunReserved(stack, parent, opts);
}

async function startRunReserved(stack: Stack, parent: ActiveRun | undefined, opts: StartRunOptions): Promise<ActiveRun> {
  const client = getClient();
  // Read (and refused when malformed) before any run is created.
  const systemMetrics = systemMetricsWanted(opts.logSystemMetrics) ? systemMetricsSettings() : undefined;
  let resumeId = opts.runId;
  if (resumeId === undefined && !parent && !state.envRunIdUsed && process.env.MLFLOW_RUN_ID) {
    resumeId = process.env.MLFLOW_RUN_ID;
    state.envRunIdUsed = true;
  }
  let info: RunInfo;
  if (resumeId !== undefined) {
    const existing = await client.getRun(resumeId);
    if (existing.info.status !== 'RUNNING') await client.updateRun(resumeId, { status: 'RUNNING' });
    info = { ...existing.info, status: 'RUNNING', endTime: undefined };
    if (opts.tags) for (const [k, v] of Object.entries(opts.tags)) client.setTag(resumeId, k, v);
  } else {
    const experiment = await resolveExperiment(opts);
    const tags: Record<string, string> = {};
    for (const t of defaultRunTags()) tags[t.key] = t.value;
    for (const t of environmentTags()) tags[t.key] = t.value;
    Object.assign(tags, opts.tags);
    if (parent) tags['mlflow.parentRunId'] = parent.runId;
    if (opts.description !== undefined) tags['mlflow.note.content'] = opts.description;
    const runName = opts.runName ?? tags['mlflow.runName'];
    if (runName !== undefined) tags['mlflow.runName'] = runName;
    const run = await client.createRun(experiment.id, { runName, tags, experimentName: experiment.id === '' ? experiment.name : undefined });
    info = run.info;
  }
  const active = new ActiveRun(info, client, stack);
  state.lastStarted = active;
  stack.push(active);
  state.liveRuns.add(active);
  if (systemMetrics) startRunSystemMetrics(active, client, info.runId, systemMetrics, { resume: resumeId !== undefined });
  // A new run after an exit-time cleanup that the process survived (a user signal handler
  // decided to go on): logging without a run is an error again.
  state.exiting = false;
  hooks.install();
  return active;
}

/**
 * Ends the active run (or `run`): waits for its records and artifacts (bounded), then sets status
 * and end time. The run stops being active even when this rejects; its unsent records keep
 * retrying in the background, and the rejection (UnsentRecordsError) says how many there are.
 */
export async function endRun(status: RunStatus = 'FINISHED', opts: EndRunOptions & { run?: ActiveRun } = {}): Promise<void> {
  const stack = currentStack();
  const run = opts.run ?? stack[stack.length - 1];
  // Ending a run twice (withRun after the user's own endRun, exit cleanup after either) is a no-op:
  // the first status stands.
  if (run === undefined || !state.liveRuns.has(run)) return;
  const idx = run.stack.lastIndexOf(run);
  if (idx >= 0) run.stack.splice(idx, 1);
  state.liveRuns.delete(run);
  if (state.liveRuns.size === 0) hooks.uninstall();
  await stopRunSystemMetrics(run);
  await run.client.setTerminated(run.runId, status, { timeoutMs: opts.timeoutMs });
}

/**
 * Runs `fn` inside a new async scope with its own active run: ends the run FINISHED when `fn`
 * resolves and FAILED when it throws (rethrowing). Concurrent withRun calls do not see each other.
 */
export async function withRun<T>(opts: StartRunOptions, fn: (run: ActiveRun) => Promise<T> | T): Promise<T> {
  const outer = currentStack();
  const stack: Stack = opts.nested ? [...outer] : [];
  return scopes.run(stack, async () => {
    const run = await startRun(opts);
    let result: T;
    try {
      result = await fn(run);
    } catch (err) {
      await endRun('FAILED', { run }).catch((e: Error) => debug('ending failed run: %s', e.message));
      throw err;
    }
    await endRun('FINISHED', { run });
    return result;
  });
}

/**
 * endAllRuns, bounded: a referenced timer keeps the process up until the deadline and no longer,
 * even if a store call hangs past its own timeouts.
 */
async function endAllRunsWithin(status: RunStatus): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, state.exitDeadlineMs + 250);
  });
  try {
    await Promise.race([endAllRuns(status), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function endAllRuns(status: RunStatus): Promise<void> {
  const runs = [...state.liveRuns].reverse();
  const deadline = Date.now() + state.exitDeadlineMs;
  let unsent = 0;
  for (const run of runs) {
    try {
      await endRun(status, { run, timeoutMs: Math.max(0, deadline - Date.now()) });
    } catch (err) {
      if (err instanceof UnsentRecordsError) unsent += err.unsent;
      debug('ending run %s at exit: %s', run.runId, (err as Error).message);
    }
  }
  if (state.defaultClient) {
    // At exit, a server known away is not waited for: the journal keeps what it did not take.
    const ok = await state.defaultClient.flush(Math.max(0, deadline - Date.now()), { waitForServer: false });
    if (!ok) unsent = Math.max(unsent, state.defaultClient.pendingRecords);
  }
  // With a journal, the journal says what waits and what is lost when it is closed (at exit, or
  // below for a signal), from what is on disk, even if it failed.
  const journaled = state.defaultClient?.journal !== undefined;
  if (unsent > 0 && !journaled) process.stderr.write(`${unsentLine(unsent)}\n`);
}

/** The line printed at exit when records are left and there is no journal to keep them. */
function unsentLine(unsent: number): string {
  const uri = state.defaultClient?.trackingUri ?? 'the tracking store';
  return `runlog: ${unsent} record(s) could not be delivered to ${uri} before exit and are lost.`;
}

/** Waits until everything logged so far is stored; false if `timeoutMs` passed first. */
export async function flush(timeoutMs = 30_000): Promise<boolean> {
  return state.defaultClient ? state.defaultClient.flush(timeoutMs) : true;
}

/**
 * Ends active runs, flushes and closes the fluent client, and removes runlog's exit listeners.
 * Resolves false if records were left undelivered.
 */
export async function shutdown(timeoutMs = 30_000): Promise<boolean> {
  // One deadline for all of it: ending runs, flushing, closing.
  const until = Date.now() + timeoutMs;
  const deadline = state.exitDeadlineMs;
  state.exitDeadlineMs = timeoutMs;
  try {
    await endAllRuns('FINISHED');
  } finally {
    state.exitDeadlineMs = deadline;
  }
  hooks.uninstall();
  const client = state.defaultClient;
  state.defaultClient = undefined;
  state.activeExperimentId = undefined;
  state.activeExperimentName = undefined;
  return client ? client.close(Math.max(0, until - Date.now())) : true;
}
