import { debug } from '../debug.js';
import { ArtifactStager } from './artifact-staging.js';
import type { FailoverStore } from './failover-store.js';
import { isTransient } from './server-presence.js';
import type { StagedModelRequest } from './staged-model.js';

/**
 * Where a journaled client's artifacts go: straight to the server while it answers, into the
 * journal session's staging area while it is away (or while the run still waits to be created, or
 * has staged artifacts before this one: order per run is kept). A direct upload that fails for
 * lack of a connection is staged instead, so the caller's promise resolves and nothing is lost.
 * Staged entries are uploaded when the server answers again.
 */
export class OfflineArtifacts {
  readonly stager: ArtifactStager;

  constructor(
    private readonly store: FailoverStore,
    sessionDir: string,
    private readonly onError: (err: Error) => void,
  ) {
    this.stager = new ArtifactStager(sessionDir, onError);
    store.presence.onOnline(() => this.kick());
  }

  /** True when an artifact of this run logged now would be staged rather than sent. */
  stagingFor(runId: string): boolean {
    return this.store.presence.offline || this.store.isOffline(runId) || this.stager.pendingFor(runId) > 0;
  }

  /** Sends with `direct`, or stages with `stage` (see the class comment). */
  async send(runId: string, direct: () => Promise<void>, stage: (s: ArtifactStager) => Promise<void>): Promise<void> {
    if (!this.stagingFor(runId)) {
      try {
        await direct();
        return;
      } catch (err) {
        if (!isTransient(err)) throw err;
        debug('artifact upload for run %s failed (%s): staged in the journal', runId, (err as Error).message);
      }
    }
    await stage(this.stager);
    this.kick();
  }

  /** Stages a saved model folder (the caller asked stagingFor first). */
  async stageModel(runId: string, localDir: string, req: StagedModelRequest): Promise<void> {
    await this.stager.stageModel(runId, localDir, req);
    this.kick();
  }

  pendingFor(runId?: string): number {
    return this.stager.pendingFor(runId);
  }

  /** Uploads what is staged, unless the server is known away; resolves true when nothing is left. */
  drain(): Promise<boolean> {
    if (this.stager.pendingFor() === 0) return Promise.resolve(true);
    if (this.store.presence.offline) return Promise.resolve(false);
    return this.stager.drain(this.store).catch((err: Error) => {
      this.onError(err);
      return false;
    });
  }

  private kick(): void {
    void this.drain();
  }
}
