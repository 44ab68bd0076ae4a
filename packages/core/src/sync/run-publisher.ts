import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import PQueue from 'p-queue';
import type { BatchUploader } from '../batch-uploader.js';
import { debug } from '../debug.js';
import type { Metric, Run, RunTag } from '../entities.js';
import { MlflowServerError } from '../errors.js';
import type { TrackingStore } from '../store.js';
import type { FileStore } from '../stores/file-store.js';
import { listArtifactFiles, localArtifactDir, PARENT_RUN_TAG, type LocalRun } from './local-source.js';
import type { PublishedRun, PublishProgress } from './publish-local-runs.js';
import { publishLoggedModels } from './publish-logged-models.js';
import { ExperimentMapper, findPublishedRuns, pickPublishedRun, SOURCE_RUN_TAG } from './target-run.js';

/** Metric points queued for one run before publishing waits for them to land: bounds memory on huge runs. */
const MAX_QUEUED_POINTS = 200_000;
const ARTIFACT_CONCURRENCY = 4;

/** The result of a run before (or instead of) publishing it. */
export function emptyResult(localId: string, skipped?: PublishedRun['skipped']): PublishedRun {
  return { localId, serverId: null, serverExperimentId: null, created: false, metrics: 0, params: 0, tags: 0, artifacts: 0, skipped, warnings: [] };
}

/** Publishes one run at a time; remembers local → target ids so children find their parents. */
export class RunPublisher {
  private readonly experiments: ExperimentMapper;
  private readonly published = new Map<string, string>();

  constructor(
    private readonly source: FileStore,
    private readonly target: TrackingStore,
    private readonly uploader: BatchUploader,
    private readonly errors: Error[],
    private readonly onProgress: ((event: PublishProgress) => void) | undefined,
  ) {
    this.experiments = new ExperimentMapper(target);
  }

  /** A run published earlier (known from the progress marks): its children map their parent tag to it. */
  remember(localId: string, serverId: string): void {
    this.published.set(localId, serverId);
  }

  async publish(local: LocalRun, index: number, total: number): Promise<PublishedRun> {
    const { run } = local;
    const localId = run.info.runId;
    const progress = (stage: PublishProgress['stage'], serverId: string | null, counts: Partial<PublishProgress> = {}) =>
      this.onProgress?.({ stage, index, total, localId, serverId, ...counts });
    const result = emptyResult(localId);
    const experimentId = await this.experiments.targetIdFor(local.experiment);
    result.serverExperimentId = experimentId;
    const tags = await this.mappedTags(run, experimentId, result.warnings);

    const existing = pickPublishedRun(await findPublishedRuns(this.target, experimentId, localId));
    let serverId: string;
    if (existing.keep) {
      serverId = existing.keep.info.runId;
      await this.deleteDuplicates(existing.extras);
    } else if (existing.deleted.length > 0) {
      result.skipped = 'deleted-on-target';
      result.serverId = existing.deleted[0]!.info.runId;
      progress('run-skipped', result.serverId);
      return result;
    } else {
      serverId = await this.create(run, experimentId, tags);
      result.created = true;
    }
    result.serverId = serverId;
    this.published.set(localId, serverId);
    progress('run-started', serverId);

    await this.sendRecords(run, serverId, tags, existing.keep, result);
    const records = result.metrics + result.params + result.tags;
    progress('records-sent', serverId, { records });
    const sent = await this.sendArtifacts(run, serverId, result.warnings);
    result.artifacts = sent.files;
    progress('artifacts-sent', serverId, { records, artifactFiles: sent.files, artifactBytes: sent.bytes });
    await publishLoggedModels(this.source, this.target, run, serverId, experimentId, result.warnings);

    // Last: a run marked finished on the server is complete; and a deleted run takes no writes.
    if (run.info.status !== 'RUNNING' || run.info.endTime !== undefined) {
      await this.target.updateRun(serverId, { status: run.info.status, endTime: run.info.endTime ?? undefined });
    }
    if (run.info.lifecycleStage === 'deleted' || local.experiment.lifecycleStage === 'deleted') {
      await this.target.deleteRun(serverId);
    }
    progress('run-done', serverId);
    return result;
  }

  /** The run's tags for the target: the parent id mapped to its published run, plus the source tag. */
  private async mappedTags(run: Run, experimentId: string, warnings: string[]): Promise<RunTag[]> {
    const tags: RunTag[] = [];
    for (const [key, value] of Object.entries(run.data.tags)) {
      if (key === SOURCE_RUN_TAG) continue;
      if (key === PARENT_RUN_TAG) {
        const parent = this.published.get(value) ?? (await this.findPublishedParent(value, experimentId));
        if (parent) tags.push({ key, value: parent });
        else {
          tags.push({ key, value });
          warnings.push(
            `parent run ${value} is not published to the target; ${PARENT_RUN_TAG} keeps the local id (publish the parent, then this run again)`,
          );
        }
        continue;
      }
      tags.push({ key, value });
    }
    tags.push({ key: SOURCE_RUN_TAG, value: run.info.runId });
    return tags;
  }

  private async findPublishedParent(localParentId: string, experimentId: string): Promise<string | undefined> {
    const { keep } = pickPublishedRun(await findPublishedRuns(this.target, experimentId, localParentId));
    return keep?.info.runId;
  }

  /**
   * Creates the run with its source tag in the same request, so it is never visible without it;
   * then searches again: a `runs/create` resent after a lost answer may have made two, and all
   * but one are deleted (the same one every publisher would keep).
   */
  private async create(run: Run, experimentId: string, tags: RunTag[]): Promise<string> {
    const created = await this.target.createRun({
      experimentId,
      startTime: run.info.startTime,
      runName: run.info.runName || undefined,
      userId: run.info.userId || undefined,
      tags,
    });
    const found = pickPublishedRun(await findPublishedRuns(this.target, experimentId, run.info.runId));
    if (!found.keep) return created.runId;
    await this.deleteDuplicates(found.extras);
    return found.keep.info.runId;
  }

  private async deleteDuplicates(extras: Run[]): Promise<void> {
    for (const dup of extras) await this.target.deleteRun(dup.info.runId);
  }

  /**
   * Params, tags and every metric point, through the uploader: MLflow-sized batches, bounded
   * concurrency, retries. Into a run found from an earlier publish only what the target lacks is
   * sent (params and tags that differ, metric points it does not hold), so publishing an
   * unchanged run again sends nothing, and an interrupted publish resumes. Rejects with the first
   * refusal if any record did not land.
   */
  private async sendRecords(run: Run, serverId: string, tags: RunTag[], existing: Run | null, result: PublishedRun): Promise<void> {
    const failedBefore = this.uploader.stats().failed;
    this.errors.length = 0;
    for (const [key, value] of Object.entries(run.data.params)) {
      if (existing?.data.params[key] === value) continue;
      this.uploader.addParam(serverId, key, value);
      result.params++;
    }
    // A new run got its tags with runs/create.
    if (existing) {
      for (const t of tags) {
        if (existing.data.tags[t.key] === t.value) continue;
        this.uploader.setTag(serverId, t.key, t.value);
        result.tags++;
      }
    } else result.tags = tags.length;
    for (const key of Object.keys(run.data.metrics).sort()) {
      const history = await this.source.getMetricHistory(run.info.runId, key);
      const present = existing ? new Set((await this.target.getMetricHistory(serverId, key)).map(pointId)) : new Set<string>();
      for (const m of history) {
        const id = pointId(m);
        if (present.has(id)) continue;
        present.add(id); // an identical point logged twice locally: MLflow keeps one
        // Never more than MAX_QUEUED_POINTS in memory: far under the uploader's maxQueueSize, so nothing is dropped.
        if (this.uploader.pendingFor(serverId) >= MAX_QUEUED_POINTS) await this.uploader.flush(Infinity, serverId);
        this.uploader.addMetric(serverId, key, m.value, m.timestamp, m.step);
        result.metrics++;
      }
    }
    await this.uploader.flush(Infinity, serverId);
    const failed = this.uploader.stats().failed - failedBefore;
    if (failed > 0) {
      // The uploader's own typed error (MlflowServerError, NetworkError, ...) says what went wrong.
      const first = this.errors[0];
      debug('publish: %d record(s) of run %s (target %s) were not accepted', failed, run.info.runId, serverId);
      throw first ?? new MlflowServerError(0, 'RECORDS_NOT_ACCEPTED', `${failed} record(s) of run ${run.info.runId} were not accepted by ${this.target.displayUri}.`);
    }
  }

  /** Uploads the run's artifact files, ARTIFACT_CONCURRENCY at a time; the first failure stops the rest. */
  private async sendArtifacts(run: Run, serverId: string, warnings: string[]): Promise<{ files: number; bytes: number }> {
    const dir = await localArtifactDir(this.source, run);
    if (dir === null) {
      warnings.push(`artifacts at ${run.info.artifactUri} are not on this machine and were not published`);
      return { files: 0, bytes: 0 };
    }
    const files = await listArtifactFiles(dir);
    const queue = new PQueue({ concurrency: ARTIFACT_CONCURRENCY });
    let bytes = 0;
    try {
      await Promise.all(
        files.map((rel) =>
          queue.add(async () => {
            const path = join(dir, ...rel.split('/'));
            const slash = rel.lastIndexOf('/');
            await this.target.logArtifact(serverId, path, slash < 0 ? '' : rel.slice(0, slash));
            bytes += (await stat(path).catch(() => null))?.size ?? 0;
          }),
        ),
      );
    } finally {
      queue.clear();
    }
    return { files: files.length, bytes };
  }
}

/**
 * A metric point's identity as MLflow's SQL store keys it: (timestamp, step, value), with NaN one
 * value and ±Infinity stored as ±Number.MAX_VALUE (a SQL database cannot hold infinities).
 */
function pointId(m: Metric): string {
  const v = m.value === Infinity ? Number.MAX_VALUE : m.value === -Infinity ? -Number.MAX_VALUE : m.value;
  return `${m.timestamp} ${m.step} ${Number.isNaN(v) ? 'NaN' : v}`;
}
