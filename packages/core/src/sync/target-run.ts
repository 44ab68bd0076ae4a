import type { Experiment, Run, RunTag } from '../entities.js';
import { InvalidArgumentError } from '../errors.js';
import type { TrackingStore } from '../store.js';

/** Tag set on every published run: the id of the local run it was published from. */
export const SOURCE_RUN_TAG = 'runlog.sourceRunId';
const DEFAULT_EXPERIMENT_ID = '0';

/**
 * Maps local experiments to the target's, by name (created there when missing, with the local
 * experiment's tags); the local Default experiment "0" is the target's Default "0". Memoized.
 */
export class ExperimentMapper {
  private readonly known = new Map<string, Promise<string>>();

  constructor(private readonly target: TrackingStore) {}

  targetIdFor(local: Experiment): Promise<string> {
    let id = this.known.get(local.experimentId);
    if (!id) {
      id = this.resolve(local);
      this.known.set(local.experimentId, id);
      id.catch(() => this.known.delete(local.experimentId));
    }
    return id;
  }

  private async resolve(local: Experiment): Promise<string> {
    if (local.experimentId === DEFAULT_EXPERIMENT_ID) return DEFAULT_EXPERIMENT_ID;
    const found = await this.target.findExperimentByName(local.name);
    if (found) return activeOrThrow(found);
    const tags: RunTag[] = Object.entries(local.tags).map(([key, value]) => ({ key, value }));
    try {
      // No artifact location: the local one (file:///...) means nothing on the server.
      return await this.target.createExperiment(local.name, undefined, tags);
    } catch (err) {
      // Someone else created it meanwhile (or our create was resent after a lost answer).
      const again = await this.target.findExperimentByName(local.name);
      if (again) return activeOrThrow(again);
      throw err;
    }
  }
}

function activeOrThrow(exp: Experiment): string {
  if (exp.lifecycleStage !== 'active') {
    throw new InvalidArgumentError(
      `Experiment '${exp.name}' is deleted on the target server (id ${exp.experimentId}): restore it there, or rename ` +
        'the local experiment, before publishing its runs.',
    );
  }
  return exp.experimentId;
}

/** Runs of `experimentId` on the target carrying `runlog.sourceRunId = localRunId`, any lifecycle stage. */
export async function findPublishedRuns(target: TrackingStore, experimentId: string, localRunId: string): Promise<Run[]> {
  if (!/^[0-9a-zA-Z_-]+$/.test(localRunId)) {
    throw new InvalidArgumentError(`Cannot publish run ${JSON.stringify(localRunId)}: not a valid run id.`);
  }
  const out: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await target.searchRuns({
      experimentIds: [experimentId],
      filter: `tags.\`${SOURCE_RUN_TAG}\` = '${localRunId}'`,
      viewType: 'ALL',
      maxResults: 100,
      pageToken,
    });
    out.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return out;
}

/**
 * Of several target runs published from one local run (a `runs/create` resent after its answer
 * was lost creates two), the one to keep: an active one, then the smallest run id, so every
 * publisher picks the same. Null when none is active.
 */
export function pickPublishedRun(found: Run[]): { keep: Run | null; extras: Run[]; deleted: Run[] } {
  const active = found.filter((r) => r.info.lifecycleStage === 'active');
  const deleted = found.filter((r) => r.info.lifecycleStage !== 'active');
  active.sort((a, b) => (a.info.runId < b.info.runId ? -1 : a.info.runId > b.info.runId ? 1 : 0));
  return { keep: active[0] ?? null, extras: active.slice(1), deleted };
}
