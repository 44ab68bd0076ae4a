import type { ArtifactSender } from './artifact-sender.js';
import type { BatchUploader } from './batch-uploader.js';
import type { RunStatus } from './entities.js';
import { InvalidArgumentError, StoreWriteError, UnsentRecordsError } from './errors.js';
import { debug } from './debug.js';
import type { JournaledQueue } from './journal/journaled-queue.js';
import type { OfflineArtifacts } from './journal/offline-artifacts.js';
import { withDeadline } from './record-flush.js';
import type { TrackingStore } from './store.js';
import { WaitingRunEnds } from './waiting-run-ends.js';

export interface RunEndingDeps {
  /** The client's store (documented errors only). */
  store: TrackingStore;
  uploader: BatchUploader;
  journal: JournaledQueue | undefined;
  offlineArtifacts: OfflineArtifacts | undefined;
  /** The client's artifact uploads in flight, which an end waits for. */
  artifacts: ArtifactSender;
  /** Waits (bounded) for one run's queued records; false if the deadline passed first. */
  flushRecords(timeoutMs: number, runId: string): Promise<boolean>;
  /** The run's end was applied on the store. */
  onEnded(runId: string): void;
}

/**
 * RunlogClient's run ends (setTerminated): an end waits for the run's records and artifacts, then
 * sets the run's status. With a journal, an end the server does not take now is journaled and
 * applied later (in the background once the run's records are in, at close, or by `runlog sync`);
 * without one, an end whose records are not in rejects with a typed error that says why.
 */
export class RunEnding {
  /** Journaled run ends the server has not taken yet, applied in the background. */
  private readonly waiting: WaitingRunEnds;

  constructor(private readonly deps: RunEndingDeps) {
    this.waiting = new WaitingRunEnds({
      drainFirst: async () => {
        const staged = this.deps.offlineArtifacts;
        if (staged !== undefined && staged.pendingFor() > 0) await staged.drain();
      },
      ready: (runId) =>
        this.deps.journal !== undefined &&
        !this.deps.journal.spilled &&
        this.deps.uploader.pendingFor(runId) === 0 &&
        (this.deps.offlineArtifacts?.pendingFor(runId) ?? 0) === 0,
      apply: async (runId, end) => {
        await this.deps.store.updateRun(runId, end);
        this.endApplied(runId);
      },
    });
  }

  /** Run ends waiting for the server. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Back online: staged artifacts go first (the drain), then waiting run ends. */
  serverBack(): void {
    if (this.waiting.size > 0) void this.deps.offlineArtifacts?.drain().then(() => this.waiting.applyReady());
  }

  /**
   * Ends a run: waits up to `timeoutMs` for its queued records and artifact uploads, then sets its
   * status and end time. Rejects with UnsentRecordsError (records keep retrying) if the deadline
   * passes first.
   */
  async end(runId: string, status: RunStatus, opts: { endTime?: number; timeoutMs?: number }): Promise<void> {
    const { store, uploader, artifacts, offlineArtifacts } = this.deps;
    const endTime = opts.endTime ?? Date.now();
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const started = Date.now();
    // With a journal the end is journaled first: if the server does not take it now, the
    // background end-applier or `runlog sync` applies it after the run's last record.
    this.deps.journal?.writer.endRun(runId, status, endTime);
    const artifactsDone = await artifacts.wait(runId, timeoutMs);
    let ok = artifactsDone && (await this.deps.flushRecords(Math.max(0, timeoutMs - (Date.now() - started)), runId));
    // Artifacts staged while the server was away go before the end; with the server away they
    // wait, like the records, and the end is applied after them in the background or by sync.
    if (ok && offlineArtifacts !== undefined && offlineArtifacts.pendingFor(runId) > 0) {
      ok = await withDeadline(offlineArtifacts.drain(), Math.max(0, timeoutMs - (Date.now() - started)), false);
      ok &&= offlineArtifacts.pendingFor(runId) === 0;
    }
    // A journal that failed keeps nothing safe: endRun behaves as in memory mode from then on.
    const configuredJournal = this.deps.journal;
    const journal = configuredJournal !== undefined && configuredJournal.writer.error === undefined ? configuredJournal : undefined;
    if (!ok) {
      const uploads = artifacts.inFlight(runId);
      if (journal) {
        this.waiting.schedule(runId, { status, endTime });
        if (uploads === 0) return;
      }
      const diskError = configuredJournal ? undefined : uploader.storeErrorFor(runId);
      if (diskError !== undefined) {
        const unsent = uploader.pendingFor(runId);
        throw new StoreWriteError(
          diskError.errno,
          diskError.path,
          `Run ${runId} could not be ended: ${unsent} record(s) could not be written to ${store.displayUri} ` +
            `(${diskError.message}) They stay queued and are written once the disk takes them again.`,
          { cause: diskError, unsent },
        );
      }
      const unsent = journal ? 0 : configuredJournal ? configuredJournal.writer.unsettledRecords(runId) : uploader.pendingFor(runId);
      throw new UnsentRecordsError(
        unsent + uploads,
        `run ${runId} could not be ended within ${timeoutMs} ms because ${store.displayUri} did not ` +
          `acknowledge them${uploads ? ` (${uploads} of them artifact uploads)` : ''}; ` +
          (journal
            ? 'its records are safe in the journal.'
            : `they stay queued and keep retrying while the process lives${configuredJournal ? ` (the journal failed: ${configuredJournal.writer.error!.message})` : ''}.`),
      );
    }
    try {
      await store.updateRun(runId, { status, endTime });
    } catch (err) {
      if (!journal) throw err;
      debug('ending run %s: %s; the journal keeps the end', runId, (err as Error).message);
      this.waiting.schedule(runId, { status, endTime });
      return;
    }
    this.endApplied(runId);
    this.rejectRefused(runId);
  }

  /** At close, once the records are in: applies the waiting ends, within `timeoutMs`. */
  async applyWaiting(timeoutMs: number): Promise<void> {
    if (this.waiting.size === 0) return;
    await withDeadline(this.waiting.applyReady(), timeoutMs, undefined);
  }

  /** Stops the background passes (close); ends still waiting stay in the journal for `runlog sync`. */
  stop(): void {
    this.waiting.stop();
  }

  /**
   * The run is ended; records of it that the store refused for good (reported to onError when it
   * happened, e.g. a param changed on a resumed run) make endRun reject too, so a script that
   * awaits endRun learns that the run is not what it logged.
   */
  private rejectRefused(runId: string): void {
    const refused = this.deps.uploader.takeRefused(runId);
    if (refused === undefined) return;
    throw new InvalidArgumentError(
      `Run ${runId} ended, but ${this.deps.store.displayUri} refused ${refused.records} of its record(s); the first refusal: ${refused.first.message}`,
      { cause: refused.first },
    );
  }

  private endApplied(runId: string): void {
    this.deps.onEnded(runId);
    // The uploader keeps counting this run's records: a resumed run goes on where it stopped.
    this.deps.journal?.writer.ackEnd(runId);
  }
}
