import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchUploader } from '../batch-uploader.js';
import { InvalidArgumentError } from '../errors.js';
import type { RetryPolicy } from '../rest/retry-policy.js';
import type { TrackingStore } from '../store.js';
import type { FileStore } from '../stores/file-store.js';
import { openStore } from '../store-factory.js';
import { localArtifactDir, openLocalSource, selectLocalRuns, type LocalRun } from './local-source.js';
import { PublishMarks, runFingerprint } from './publish-marks.js';
import { emptyResult, RunPublisher } from './run-publisher.js';
import { SOURCE_RUN_TAG } from './target-run.js';

export { SOURCE_RUN_TAG };

/** Options of publishLocalRuns(). */
export interface PublishLocalRunsOptions {
  /** The local store: a path or `file:` URI of an `mlruns` directory. */
  from: string;
  /** The MLflow tracking server (`http(s)://…`), or an already open store (tests, another local store). */
  to: string | TrackingStore;
  /** Only runs of these local experiment ids. */
  experimentIds?: string[] | undefined;
  /** Only these local runs. Unknown ids are a NotFoundError before anything is published. */
  runIds?: string[] | undefined;
  /** Also publish deleted runs (and runs of deleted experiments); they are deleted on the target too. */
  includeDeleted?: boolean | undefined;
  /** Called as each run goes through its stages; a throwing callback aborts the publish. */
  onProgress?: ((event: PublishProgress) => void) | undefined;
  /** Backoff of record uploads. Default: 10 retries from 0.5 s doubling to 30 s, honouring Retry-After. */
  retry?: RetryPolicy | undefined;
  /** Environment for auth and TLS of a `to` URI (MLFLOW_TRACKING_TOKEN, …). Default process.env. */
  env?: Record<string, string | undefined> | undefined;
  /**
   * Keep progress marks in this directory (one file per target): a run whose local files have not
   * changed since it was last published here is neither read nor sent again (`unchanged` in its
   * result). `runlog sync --from` uses `$XDG_STATE_HOME/runlog/publish-marks`. Without it every
   * run is checked against the target, which also repairs a published run changed or deleted there.
   */
  marksDir?: string | undefined;
}

/** A progress event of publishLocalRuns(), per run and stage. */
export interface PublishProgress {
  /** `run-unchanged`: the progress marks show the run was published as it is now; nothing was read or sent. */
  stage: 'run-started' | 'records-sent' | 'artifacts-sent' | 'run-done' | 'run-skipped' | 'run-unchanged';
  /** 1-based position among the runs selected for publishing. */
  index: number;
  total: number;
  localId: string;
  serverId: string | null;
  /** Metric points, params and tags sent for this run so far (from `records-sent` on). */
  records?: number | undefined;
  /** Artifact files and their bytes sent for this run (from `artifacts-sent` on). */
  artifactFiles?: number | undefined;
  artifactBytes?: number | undefined;
}

/** What publishLocalRuns() did with one local run. */
export interface PublishedRun {
  localId: string;
  /** The run on the target; null for a skipped run. */
  serverId: string | null;
  serverExperimentId: string | null;
  /** False when an earlier publish had already created it (found by its `runlog.sourceRunId` tag). */
  created: boolean;
  /**
   * Records sent by this publish: metric points, params and tags the target did not hold yet (all
   * of them for a new run; none for an unchanged run published before), and artifact files (always
   * uploaded; the same bytes overwrite the same paths).
   */
  metrics: number;
  params: number;
  tags: number;
  artifacts: number;
  /** True when the progress marks (`marksDir`) showed the run unchanged since it was published: nothing was read or sent. */
  unchanged?: boolean | undefined;
  /** Why nothing was published: 'deleted' locally, or 'deleted-on-target' (the published copy was deleted there). */
  skipped?: 'deleted' | 'deleted-on-target' | undefined;
  /** Things that were published with a caveat (a parent run that could not be mapped, unreachable artifacts). */
  warnings: string[];
}

/** The result of publishLocalRuns(): one entry per selected or skipped run. */
export interface PublishSummary {
  runs: PublishedRun[];
}

const DEFAULT_PUBLISH_RETRY: RetryPolicy = { maxRetries: 10, baseDelayMs: 500, maxDelayMs: 30_000, jitterMs: 500 };

/**
 * Publishes runs of a local `mlruns` directory to an MLflow tracking server: experiments are
 * mapped by name (created when missing; the Default experiment "0" maps to the server's "0"),
 * each run is created with its start time, name, user and tags plus `runlog.sourceRunId`, then its
 * params, tags, full metric histories and artifact files are sent, and last its status and end
 * time. Idempotent: a run already published (found by its `runlog.sourceRunId` tag) is reused,
 * and resending its records changes nothing — params with equal values and tags are no-ops, and
 * MLflow's SQL store drops metric points identical in (key, value, timestamp, step).
 * Nested runs keep their parent: `mlflow.parentRunId` is rewritten to the parent's published id.
 */
export async function publishLocalRuns(opts: PublishLocalRunsOptions): Promise<PublishSummary> {
  checkTargetUri(opts.to);
  const source = await openLocalSource(opts.from);
  const includeDeleted = opts.includeDeleted ?? false;
  const { runs, skipped } = await selectLocalRuns(source, {
    experimentIds: opts.experimentIds,
    runIds: opts.runIds,
    includeDeleted,
  });
  const ownsTarget = typeof opts.to === 'string';
  const target = openTarget(opts.to, opts.env);
  const errors: Error[] = [];
  const uploader = new BatchUploader({
    store: target,
    limits: target.batchLimits,
    concurrency: target.uploadConcurrency ?? 4,
    retry: opts.retry ?? DEFAULT_PUBLISH_RETRY,
    onError: (err) => errors.push(err),
  });
  const publisher = new RunPublisher(source, target, uploader, errors, opts.onProgress);
  const marks = opts.marksDir === undefined ? null : await PublishMarks.open(opts.marksDir, target.displayUri);
  const summary: PublishSummary = { runs: [] };
  try {
    for (const r of skipped) {
      summary.runs.push(emptyResult(r.run.info.runId, 'deleted'));
    }
    for (let i = 0; i < runs.length; i++) {
      const local = runs[i]!;
      const localId = local.run.info.runId;
      const fingerprint = marks ? await fingerprintOf(source, local) : null;
      const mark = marks?.get(localId);
      if (mark && fingerprint !== null && mark.fingerprint === fingerprint) {
        publisher.remember(localId, mark.serverId);
        opts.onProgress?.({ stage: 'run-unchanged', index: i + 1, total: runs.length, localId, serverId: mark.serverId });
        summary.runs.push({ ...emptyResult(localId), serverId: mark.serverId, serverExperimentId: mark.serverExperimentId, unchanged: true });
        continue;
      }
      const result = await publisher.publish(local, i + 1, runs.length);
      summary.runs.push(result);
      if (marks && fingerprint !== null) {
        // Only a run published completely, without caveats, is marked: the others are checked again next time.
        if (!result.skipped && result.warnings.length === 0 && result.serverId && result.serverExperimentId) {
          await marks.set(localId, { serverId: result.serverId, serverExperimentId: result.serverExperimentId, fingerprint });
        } else await marks.delete(localId);
      }
    }
    return summary;
  } finally {
    uploader.close();
    await source.close();
    if (ownsTarget) await target.close();
  }
}

/** The fingerprint of a local run's files; its folder is `<root>/<experiment>/<run>`, or under .trash/ once its experiment is deleted. */
async function fingerprintOf(source: FileStore, local: LocalRun): Promise<string> {
  const { experimentId, runId } = local.run.info;
  const candidates = [join(source.rootDir, experimentId, runId), join(source.rootDir, '.trash', experimentId, runId)];
  let dir = candidates[0]!;
  for (const c of candidates) {
    if (await stat(c).then((s) => s.isDirectory(), () => false)) {
      dir = c;
      break;
    }
  }
  return runFingerprint(dir, await localArtifactDir(source, local.run));
}

function checkTargetUri(to: string | TrackingStore): void {
  if (typeof to === 'string' && !/^https?:\/\//i.test(to)) {
    throw new InvalidArgumentError(
      `publishLocalRuns: \`to\` must be an MLflow tracking server URI (http:// or https://), got ${JSON.stringify(to)}.`,
    );
  }
  if (typeof to !== 'string' && (typeof to !== 'object' || to === null || typeof to.createRun !== 'function')) {
    throw new InvalidArgumentError('publishLocalRuns: `to` must be an http(s) tracking URI or a TrackingStore.');
  }
}

function openTarget(to: string | TrackingStore, env: Record<string, string | undefined> = process.env): TrackingStore {
  return typeof to === 'string' ? openStore(to, env).store : to;
}
