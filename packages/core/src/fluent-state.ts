import { AsyncLocalStorage } from 'node:async_hooks';
import { RunlogClient, type RunlogClientOptions } from './client.js';
import type { RunInfo } from './entities.js';
import { NoActiveRunError } from './errors.js';

/**
 * The fluent API's process-wide state and its active-run stacks, shared by the fluent-* modules.
 * The active-run stack is per async context: code inside `withRun()` (or any AsyncLocalStorage
 * scope it creates) has its own stack, so concurrent runs in one process do not mix; code outside
 * any scope shares the process-wide stack, as a Python thread does.
 */

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

export type Stack = ActiveRun[];
/** Async scopes with a stack of their own (withRun). */
export const scopes = new AsyncLocalStorage<Stack>();
const globalStack: Stack = [];

/** The fluent API's mutable settings and bookkeeping; one object so every fluent-* module sees each write. */
export const fluentState: {
  defaultClient: RunlogClient | undefined;
  trackingUri: string | undefined;
  activeExperimentId: string | undefined;
  /** The name given to setExperiment(), kept to resolve an experiment set while the server was away. */
  activeExperimentName: string | undefined;
  clientOptions: Omit<RunlogClientOptions, 'trackingUri' | 'store'>;
  /** Every run started and not yet ended, in every scope: the exit hooks end these. */
  readonly liveRuns: Set<ActiveRun>;
  /** How long exit cleanup (beforeExit, SIGINT/SIGTERM) may take in all; configure({ exitDeadlineMs }). */
  exitDeadlineMs: number;
  /**
   * Set once a signal or beforeExit started ending runs: a training loop that keeps calling
   * logMetric while we clean up must not crash the process with NoActiveRunError, so logging without
   * a run is silently ignored from then on.
   */
  exiting: boolean;
  /** The run most recently started, for lastActiveRun(). */
  lastStarted: ActiveRun | undefined;
  /** MLFLOW_RUN_ID is resumed by the first top-level run only, as in MLflow. */
  envRunIdUsed: boolean;
} = {
  defaultClient: undefined,
  trackingUri: undefined,
  activeExperimentId: undefined,
  activeExperimentName: undefined,
  clientOptions: {},
  liveRuns: new Set<ActiveRun>(),
  exitDeadlineMs: 5000,
  exiting: false,
  lastStarted: undefined,
  envRunIdUsed: false,
};

/** The active-run stack of the current async context. */
export function currentStack(): Stack {
  return scopes.getStore() ?? globalStack;
}

/** The client the fluent API uses, created on first use from the tracking URI. */
export function getClient(): RunlogClient {
  fluentState.defaultClient ??= new RunlogClient({ ...fluentState.clientOptions, trackingUri: fluentState.trackingUri });
  return fluentState.defaultClient;
}

/**
 * The run most recently started in this process (active or ended), like MLflow's
 * `last_active_run()`: how a script finds the run that autolog() created for its fit().
 */
export function lastActiveRun(): ActiveRun | undefined {
  return activeRun() ?? fluentState.lastStarted;
}

/** The active run of this context, or undefined. */
export function activeRun(): ActiveRun | undefined {
  const stack = currentStack();
  return stack[stack.length - 1];
}

/** The active run; NoActiveRunError without one, except during exit cleanup (undefined: drop the call). */
export function requireRun(): ActiveRun | undefined {
  const stack = currentStack();
  const run = stack[stack.length - 1];
  if (run === undefined && !fluentState.exiting) throw new NoActiveRunError();
  return run;
}
