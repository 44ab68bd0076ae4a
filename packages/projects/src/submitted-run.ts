import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import type { RunlogClient, RunStatus } from '@runlog/core';

/** How the command ended. */
export interface RunOutcome {
  /** The run's final status: FINISHED (exit 0), KILLED (ended by a signal or cancel()), else FAILED. */
  status: 'FINISHED' | 'FAILED' | 'KILLED';
  /** The command's exit code, or 128 + the signal number when a signal ended it (as a shell reports it). */
  exitCode: number;
  /** The signal that ended the command, if one did. */
  signal: NodeJS.Signals | null;
}

/** Time a cancelled command gets to exit after SIGTERM before it is killed. */
export const CANCEL_GRACE_MS = 10_000;

/**
 * A project run whose command is running, as `mlflow.projects.run(..., synchronous=False)`
 * returns it: `wait()` for its end, `getStatus()` now, `cancel()` to stop it. The command runs as
 * the leader of its own process group, so signals reach everything it started. When it ends, the
 * run is marked FINISHED, FAILED or KILLED, unless the command already ended the run itself.
 */
export class SubmittedRun {
  readonly runId: string;
  readonly experimentId: string;
  private readonly child: ChildProcess;
  private readonly done: Promise<RunOutcome>;
  private outcome: RunOutcome | undefined;
  private signalled = false;

  /** @internal Made by run(). */
  constructor(args: {
    runId: string;
    experimentId: string;
    child: ChildProcess;
    client: RunlogClient;
    /** Runs after the run's status is recorded (temporary directories, the client it opened). */
    finalize: () => Promise<void>;
  }) {
    this.runId = args.runId;
    this.experimentId = args.experimentId;
    this.child = args.child;
    this.done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolveExit) => {
      args.child.once('error', (error) => resolveExit({ code: 127, signal: null, error }));
      args.child.once('exit', (code, signal) => resolveExit({ code, signal }));
    }).then(async ({ code, signal }) => {
      const killed = signal !== null || (this.signalled && code !== 0);
      const outcome: RunOutcome = {
        status: code === 0 ? 'FINISHED' : killed ? 'KILLED' : 'FAILED',
        exitCode: code ?? 128 + (signal === null ? 0 : (constants.signals[signal] ?? 0)),
        signal,
      };
      try {
        await markTerminated(args.client, this.runId, outcome.status);
      } finally {
        this.outcome = outcome;
        await args.finalize();
      }
      return outcome;
    });
  }

  /** Waits for the command and the run's status; true when it succeeded (as Python's wait()). */
  async wait(): Promise<boolean> {
    return (await this.done).status === 'FINISHED';
  }

  /** Waits for the command and returns how it ended. */
  result(): Promise<RunOutcome> {
    return this.done;
  }

  /** RUNNING while the command runs, then its final status. */
  getStatus(): RunStatus {
    return this.outcome?.status ?? 'RUNNING';
  }

  /** The command's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * Sends `signal` to the command's process group (how the CLI forwards SIGINT and SIGTERM).
   * A run ended this way is KILLED unless the command still exits 0.
   */
  signal(signal: NodeJS.Signals): void {
    if (this.outcome !== undefined || this.child.pid === undefined) return;
    this.signalled = true;
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // The group is gone already: the exit handler records the end.
    }
  }

  /** Stops the command (SIGTERM to its group, SIGKILL after `graceMs`), waits for it, and resolves when the run is marked KILLED. */
  async cancel(graceMs = CANCEL_GRACE_MS): Promise<void> {
    if (this.outcome !== undefined) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    timer.unref();
    try {
      await this.done;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Sets the run's end status unless the command ended it already (as `mlflow run` does). */
async function markTerminated(client: RunlogClient, runId: string, status: RunStatus): Promise<void> {
  const current = await client.getRun(runId);
  if (current.info.status !== 'RUNNING' && current.info.status !== 'SCHEDULED') return;
  await client.setTerminated(runId, status);
}
