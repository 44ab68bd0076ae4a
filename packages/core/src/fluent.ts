import { AsyncLocalStorage } from 'node:async_hooks';
import { RunlogClient, type LogMetricOptions, type RunlogClientOptions, type SearchRunsOptions } from './client.js';
import { debug } from './debug.js';
import type { Experiment, FileInfo, LoggedModel, Metric, PagedList, Run, RunInfo, RunStatus } from './entities.js';
import type { SearchLoggedModelsOptions } from './client-logged-models.js';
import { InvalidArgumentError, NoActiveRunError, RunAlreadyActiveError, UnsentRecordsError } from './errors.js';
import { ExitHooks } from './exit-hooks.js';
import { defaultRunTags } from './run-context-tags.js';
import { environmentTags } from './run-environment-tags.js';
import { startRunSystemMetrics, stopRunSystemMetrics } from './system-metrics/run-system-metrics.js';
import { systemMetricsSettings, systemMetricsWanted } from './system-metrics/system-metrics-config.js';

/**
 * The fluent API: module-level functions over an active run, like `mlflow.*` in Python.
 * The active-run stack is per async context: code inside `withRun()` (or any AsyncLocalStorage
 * scope it creates) has its own stack, so concurrent runs in one process do not mix; code outside
 * any scope shares the process-wide stack, as a Python thread does.
 */

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

/** A run started by startRun(): its info, plus endRun() for this very run. */
export class ActiveRun {
  constructor(
    readonly info: RunInfo,
    readonly client: RunlogClient,
    /** The active-run stack this run was pushed on (its async scope's, or the process-wide one). */
    readonly stack: ActiveRun[] = [],
  ) {}
  get runId(): string {
    return this.info.runId;
  }
}

type Stack = ActiveRun[];
const scopes = new AsyncLocalStorage<Stack>();
const globalStack: Stack = [];

let defaultClient: RunlogClient | undefined;
let trackingUri: string | undefined;
let activeExperimentId: string | undefined;
/** The name given to setExperiment(), kept to resolve an experiment set while the server was away. */
let activeExperimentName: string | undefined;
let clientOptions: Omit<RunlogClientOptions, 'trackingUri' | 'store'> = {};
/** Every run started and not yet ended, in every scope: the exit hooks end these. */
const liveRuns = new Set<ActiveRun>();
/** How long exit cleanup (beforeExit, SIGINT/SIGTERM) may take in all; configure({ exitDeadlineMs }). */
let exitDeadlineMs = 5000;
/**
 * Set once a signal or beforeExit started ending runs: a training loop that keeps calling
 * logMetric while we clean up must not crash the process with NoActiveRunError, so logging without
 * a run is silently ignored from then on.
 */
let exiting = false;
/** The run most recently started, for lastActiveRun(). */
let lastStarted: ActiveRun | undefined;
/** MLFLOW_RUN_ID is resumed by the first top-level run only, as in MLflow. */
let envRunIdUsed = false;

const hooks = new ExitHooks({
  async onBeforeExit() {
    exiting = true;
    await endAllRunsWithin('FINISHED');
  },
  async onSignal() {
    exiting = true;
    await endAllRunsWithin('KILLED');
    // The signal is re-raised next and kills the process without an 'exit' event: close the
    // journal now, so what is unsent is on disk and marked ready for `runlog sync`.
    defaultClient?.journal?.close();
  },
});

function currentStack(): Stack {
  return scopes.getStore() ?? globalStack;
}

/** The client the fluent API uses, created on first use from the tracking URI. */
export function getClient(): RunlogClient {
  defaultClient ??= new RunlogClient({ ...clientOptions, trackingUri });
  return defaultClient;
}

/** Sets the tracking URI for runs started from now on (a path, file: URI, or http(s) server). */
export function setTrackingUri(uri: string | undefined): void {
  if (liveRuns.size > 0) {
    throw new InvalidArgumentError('Cannot change the tracking URI while runs are active; end them first.');
  }
  const old = defaultClient;
  defaultClient = undefined;
  trackingUri = uri;
  activeExperimentId = undefined;
  activeExperimentName = undefined;
  if (old) void old.close().catch((err: Error) => debug('closing previous client: %s', err.message));
}

/** The tracking URI the fluent API uses (set by setTrackingUri, else MLFLOW_TRACKING_URI, else ./mlruns). */
export function getTrackingUri(): string {
  return getClient().trackingUri;
}

/** Options for the fluent API's client (uploader tuning, onError). Takes effect for the next client. */
export function configure(opts: Omit<RunlogClientOptions, 'trackingUri' | 'store'> & { exitDeadlineMs?: number }): void {
  const { exitDeadlineMs: deadline, ...rest } = opts;
  if (deadline !== undefined) exitDeadlineMs = deadline;
  clientOptions = rest;
}

/** Creates an experiment and resolves to its id; InvalidArgumentError for a bad name. */
export async function createExperiment(name: string, opts?: { artifactLocation?: string; tags?: Record<string, string> }): Promise<string> {
  return getClient().createExperiment(name, opts);
}

/** The experiment of that name, or null when there is none. */
export async function getExperimentByName(name: string): Promise<Experiment | null> {
  return getClient().getExperimentByName(name);
}

/** Makes `name` the experiment for new runs, creating it if needed. Resolves the experiment. */
export async function setExperiment(name: string): Promise<Experiment> {
  const exp = await getOrCreateExperiment(name);
  activeExperimentId = exp.experimentId;
  activeExperimentName = name;
  return exp;
}

/**
 * With a journaled tracking server that does not answer, an experiment is known by name only: its
 * id is '' until the server answers, and runs started meanwhile are created in it then.
 */
function offlineExperiment(name: string): Experiment {
  return { experimentId: '', name, artifactLocation: '', lifecycleStage: 'active', tags: {} };
}

async function getOrCreateExperiment(name: string): Promise<Experiment> {
  const client = getClient();
  let found: Experiment | null;
  const failover = client.store.capabilities?.failover;
  if (failover !== undefined) {
    // One bounded attempt: a server that is away must not hold up the start of training.
    const looked = await failover.lookupExperimentOnce(name);
    if (looked === 'offline') return offlineExperiment(name);
    found = looked;
  } else found = await client.getExperimentByName(name);
  if (found) {
    if (found.lifecycleStage === 'deleted') {
      throw new InvalidArgumentError(`Experiment '${name}' is deleted; restore it or choose another name.`);
    }
    return found;
  }
  try {
    await client.createExperiment(name);
  } catch (err) {
    // Another process may have created it between our lookup and create.
    const again = await client.getExperimentByName(name);
    if (again) return again;
    throw err;
  }
  const created = await client.getExperimentByName(name);
  if (!created) throw new InvalidArgumentError(`Experiment '${name}' could not be created.`);
  return created;
}

/** The experiment for a new run: its id, or '' with its name while the server is away (see offlineExperiment). */
async function resolveExperiment(opts: StartRunOptions): Promise<{ id: string; name?: string }> {
  if (opts.experimentId !== undefined) return { id: opts.experimentId };
  if (opts.experimentName !== undefined) return { id: (await getOrCreateExperiment(opts.experimentName)).experimentId, name: opts.experimentName };
  if (activeExperimentId === '' && activeExperimentName !== undefined) {
    // Set while the server was away: look again, it may be back.
    activeExperimentId = (await getOrCreateExperiment(activeExperimentName)).experimentId;
    return { id: activeExperimentId, name: activeExperimentName };
  }
  if (activeExperimentId !== undefined) return { id: activeExperimentId };
  if (process.env.MLFLOW_EXPERIMENT_ID) return { id: process.env.MLFLOW_EXPERIMENT_ID };
  const envName = process.env.MLFLOW_EXPERIMENT_NAME;
  if (envName) return { id: (await getOrCreateExperiment(envName)).experimentId, name: envName };
  return { id: '0' };
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
  if (resumeId === undefined && !parent && !envRunIdUsed && process.env.MLFLOW_RUN_ID) {
    resumeId = process.env.MLFLOW_RUN_ID;
    envRunIdUsed = true;
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
  lastStarted = active;
  stack.push(active);
  liveRuns.add(active);
  if (systemMetrics) startRunSystemMetrics(active, client, info.runId, systemMetrics, { resume: resumeId !== undefined });
  // A new run after an exit-time cleanup that the process survived (a user signal handler
  // decided to go on): logging without a run is an error again.
  exiting = false;
  hooks.install();
  return active;
}

/**
 * The run most recently started in this process (active or ended), like MLflow's
 * `last_active_run()`: how a script finds the run that autolog() created for its fit().
 */
export function lastActiveRun(): ActiveRun | undefined {
  return activeRun() ?? lastStarted;
}

/** The active run of this context, or undefined. */
export function activeRun(): ActiveRun | undefined {
  const stack = currentStack();
  return stack[stack.length - 1];
}

function requireRun(): ActiveRun | undefined {
  const stack = scopes.getStore() ?? globalStack;
  const run = stack[stack.length - 1];
  if (run === undefined && !exiting) throw new NoActiveRunError();
  return run;
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
  if (run === undefined || !liveRuns.has(run)) return;
  const idx = run.stack.lastIndexOf(run);
  if (idx >= 0) run.stack.splice(idx, 1);
  liveRuns.delete(run);
  if (liveRuns.size === 0) hooks.uninstall();
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
    timer = setTimeout(resolve, exitDeadlineMs + 250);
  });
  try {
    await Promise.race([endAllRuns(status), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function endAllRuns(status: RunStatus): Promise<void> {
  const runs = [...liveRuns].reverse();
  const deadline = Date.now() + exitDeadlineMs;
  let unsent = 0;
  for (const run of runs) {
    try {
      await endRun(status, { run, timeoutMs: Math.max(0, deadline - Date.now()) });
    } catch (err) {
      if (err instanceof UnsentRecordsError) unsent += err.unsent;
      debug('ending run %s at exit: %s', run.runId, (err as Error).message);
    }
  }
  if (defaultClient) {
    // At exit, a server known away is not waited for: the journal keeps what it did not take.
    const ok = await defaultClient.flush(Math.max(0, deadline - Date.now()), { waitForServer: false });
    if (!ok) unsent = Math.max(unsent, defaultClient.pendingRecords);
  }
  // With a journal, the journal says what waits and what is lost when it is closed (at exit, or
  // below for a signal), from what is on disk, even if it failed.
  const journaled = defaultClient?.journal !== undefined;
  if (unsent > 0 && !journaled) process.stderr.write(`${unsentLine(unsent)}\n`);
}

/** The line printed at exit when records are left and there is no journal to keep them. */
function unsentLine(unsent: number): string {
  const uri = defaultClient?.trackingUri ?? 'the tracking store';
  return `runlog: ${unsent} record(s) could not be delivered to ${uri} before exit and are lost.`;
}

// ---- logging on the active run (synchronous, enqueue only) ----

/** Logs a metric point of the active run: validated, then enqueued (never waits on I/O). */
export function logMetric(key: string, value: number, opts?: LogMetricOptions): void {
  const stack = scopes.getStore() ?? globalStack;
  const run = stack[stack.length - 1];
  if (run === undefined) {
    if (exiting) return;
    throw new NoActiveRunError();
  }
  run.client.logMetric(run.info.runId, key, value, opts);
}

/** Logs several metrics of the active run with one step and timestamp; enqueue only. */
export function logMetrics(metrics: Record<string, number>, opts?: LogMetricOptions): void {
  const run = requireRun();
  if (!run) return;
  const timestamp = opts?.timestamp ?? Date.now();
  const link = { step: opts?.step, timestamp, modelId: opts?.modelId, dataset: opts?.dataset };
  for (const [key, value] of Object.entries(metrics)) run.client.logMetric(run.runId, key, value, link);
}

/** Logs a param of the active run (write-once: a different value later is an InvalidArgumentError); enqueue only. */
export function logParam(key: string, value: unknown): void {
  const run = requireRun();
  if (!run) return;
  run.client.logParam(run.runId, key, value);
}

/** Logs several params of the active run; enqueue only. */
export function logParams(params: Record<string, unknown>): void {
  const run = requireRun();
  if (!run) return;
  for (const [key, value] of Object.entries(params)) run.client.logParam(run.runId, key, value);
}

/** Sets a tag of the active run; enqueue only. */
export function setTag(key: string, value: unknown): void {
  const run = requireRun();
  if (!run) return;
  run.client.setTag(run.runId, key, value);
}

/** Sets several tags of the active run; enqueue only. */
export function setTags(tags: Record<string, unknown>): void {
  const run = requireRun();
  if (!run) return;
  for (const [key, value] of Object.entries(tags)) run.client.setTag(run.runId, key, value);
}

/** Deletes a tag of the active run (in order with the tag writes before it); enqueue only. */
export function deleteTag(key: string): void {
  const run = requireRun();
  if (!run) return;
  run.client.deleteTag(run.runId, key);
}

/** Uploads a local file as an artifact of the active run, under `artifactPath` when given. */
export function logArtifact(localPath: string, artifactPath?: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logArtifact(run.runId, localPath, artifactPath);
}

/** Uploads a local directory's files as artifacts of the active run. */
export function logArtifacts(localDir: string, artifactPath?: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logArtifacts(run.runId, localDir, artifactPath);
}

/** Writes `text` as the artifact file `artifactFile` of the active run. */
export function logText(text: string, artifactFile: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logText(run.runId, text, artifactFile);
}

/** Writes an object as the artifact file `artifactFile` of the active run: YAML for .yaml/.yml, else JSON. */
export function logDict(value: unknown, artifactFile: string): Promise<void> {
  const run = requireRun();
  if (!run) return Promise.resolve();
  return run.client.logDict(run.runId, value, artifactFile);
}

// ---- reads ----

/** A run with its latest metrics, params and tags (waits, bounded, for its queued records first). */
export function getRun(runId: string): Promise<Run> {
  return getClient().getRun(runId);
}

/** Every point of one metric of a run. */
export function getMetricHistory(runId: string, key: string): Promise<Metric[]> {
  return getClient().getMetricHistory(runId, key);
}

/** The artifact files and folders of a run under `path`. */
export function listArtifacts(runId: string, path?: string): Promise<FileInfo[]> {
  return getClient().listArtifacts(runId, path);
}

/** Downloads a run's artifact (file or folder) to `dstPath` (default: a temp dir) and resolves to the local path. */
export function downloadArtifacts(runId: string, path: string, dstPath?: string): Promise<string> {
  return getClient().downloadArtifacts(runId, path, dstPath);
}

/** searchRuns() options of the fluent API: experiments by id or by name (default: the active experiment). */
export interface FluentSearchRunsOptions extends Omit<SearchRunsOptions, 'experimentIds'> {
  experimentIds?: string[];
  experimentNames?: string[];
}

/**
 * Searches runs with MLflow's filter syntax. Experiments default to the active experiment
 * (setExperiment), else the default experiment '0'.
 */
export async function searchRuns(opts: FluentSearchRunsOptions = {}): Promise<PagedList<Run>> {
  const client = getClient();
  const ids = [...(opts.experimentIds ?? [])];
  for (const name of opts.experimentNames ?? []) {
    const exp = await client.getExperimentByName(name);
    if (exp) ids.push(exp.experimentId);
  }
  if (ids.length === 0 && !opts.experimentNames?.length) ids.push(activeExperimentId ?? '0');
  if (ids.length === 0) return { items: [] };
  return client.searchRuns({ ...opts, experimentIds: ids });
}

/**
 * Logged models (MLflow 3) with MLflow's filter and order-by, as `mlflow.search_logged_models`.
 * Experiments default to the active experiment (setExperiment), else '0'.
 */
export function searchLoggedModels(opts: Partial<SearchLoggedModelsOptions> = {}): Promise<PagedList<LoggedModel>> {
  return getClient().searchLoggedModels({ ...opts, experimentIds: opts.experimentIds ?? [activeExperimentId ?? '0'] });
}

/** A logged model by id, with its tags, params and metrics. */
export function getLoggedModel(modelId: string): Promise<LoggedModel> {
  return getClient().getLoggedModel(modelId);
}

/** Sets tags of a logged model. */
export function setLoggedModelTags(modelId: string, tags: Record<string, unknown>): Promise<void> {
  return getClient().setLoggedModelTags(modelId, tags);
}

/** Waits until everything logged so far is stored; false if `timeoutMs` passed first. */
export async function flush(timeoutMs = 30_000): Promise<boolean> {
  return defaultClient ? defaultClient.flush(timeoutMs) : true;
}

/**
 * Ends active runs, flushes and closes the fluent client, and removes runlog's exit listeners.
 * Resolves false if records were left undelivered.
 */
export async function shutdown(timeoutMs = 30_000): Promise<boolean> {
  // One deadline for all of it: ending runs, flushing, closing.
  const until = Date.now() + timeoutMs;
  const deadline = exitDeadlineMs;
  exitDeadlineMs = timeoutMs;
  try {
    await endAllRuns('FINISHED');
  } finally {
    exitDeadlineMs = deadline;
  }
  hooks.uninstall();
  const client = defaultClient;
  defaultClient = undefined;
  activeExperimentId = undefined;
  activeExperimentName = undefined;
  return client ? client.close(Math.max(0, until - Date.now())) : true;
}
