import { encodeDatasetInput } from './dataset-wire.js';
import type { DatasetInput } from '../datasets/dataset-input.js';
import { mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { listFilesRecursive } from '../fs-walk.js';
import type { CreateLoggedModelOptions, Experiment, FileInfo, LoggedModel, LoggedModelStatus, Metric, PagedList, Run, RunInfo, RunTag } from '../entities.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { METRIC_HISTORY_PAGE_SIZE } from '../limits.js';
import type {
  CreateRunRequest,
  LogBatch,
  SearchExperimentsRequest,
  SearchLoggedModelsRequest,
  SearchRunsRequest,
  StoreCapabilities,
  TrackingServerAccess,
  TrackingStore,
  UpdateRunRequest,
} from '../store.js';
import { FileArtifacts } from '../stores/local-artifacts.js';
import { validateArtifactPath } from '../validation.js';
import { DEFAULT_ARTIFACT_WALK_LIMITS, invalidListing, walkArtifactTree, type ArtifactWalkLimits } from './artifact-tree-walk.js';
import { artifactServiceSegments, guessContentType } from './artifact-service-path.js';
import { RestClient, type RestClientOptions } from './rest-client.js';
import { RestRegistryStore } from './rest-registry-store.js';
import { decodeExperiment, decodeFileInfo, decodeLoggedModel, decodeMetric, decodeRun, decodeRunInfo, encodeDouble, recordToKeyValues } from './wire.js';

/**
 * The tracking store backed by a real MLflow tracking server's REST API. Artifacts go through the
 * server's proxied artifact service (`mlflow-artifacts:` URIs resolved against the tracking URI);
 * a `file:` artifact root (a server sharing this machine's disk) is written directly.
 */
export class RestStore implements TrackingStore, TrackingServerAccess {
  readonly displayUri: string;
  readonly client: RestClient;
  readonly capabilities: StoreCapabilities & { readonly trackingServer: TrackingServerAccess } = { trackingServer: this };
  private readonly artifactRoots = new Map<string, string>();
  /** Bounds on directory downloads driven by the server's listings (a hostile listing cannot loop). */
  artifactWalkLimits: ArtifactWalkLimits = DEFAULT_ARTIFACT_WALK_LIMITS;

  constructor(opts: RestClientOptions) {
    this.client = new RestClient(opts);
    this.displayUri = this.client.baseUrl;
  }

  async probe(timeoutMs: number): Promise<void> {
    await this.client.once('GET', '/health', { raw: true, timeoutMs });
  }

  registryOn(baseUrl: string): RestRegistryStore | undefined {
    return baseUrl === this.client.baseUrl ? new RestRegistryStore(this.client) : undefined;
  }

  async createExperiment(name: string, artifactLocation?: string, tags: RunTag[] = []): Promise<string> {
    const res = await this.client.call('POST', 'experiments/create', {
      body: { name, artifact_location: artifactLocation, tags },
    });
    return String(res.experiment_id);
  }

  async getExperiment(experimentId: string): Promise<Experiment> {
    const res = await this.client.call('GET', 'experiments/get', { query: { experiment_id: experimentId } });
    return decodeExperiment(res.experiment);
  }

  async findExperimentByName(name: string): Promise<Experiment | null> {
    return this.experimentByName(name, (query) => this.client.call('GET', 'experiments/get-by-name', { query }));
  }

  /** findExperimentByName in one attempt bounded by `timeoutMs`; an unanswered one rejects with RetryableError. */
  findExperimentByNameOnce(name: string, timeoutMs: number): Promise<Experiment | null> {
    return this.experimentByName(name, (query) => this.client.once('GET', 'experiments/get-by-name', { query, timeoutMs }) as Promise<any>);
  }

  private async experimentByName(name: string, get: (query: { experiment_name: string }) => Promise<any>): Promise<Experiment | null> {
    try {
      return decodeExperiment((await get({ experiment_name: name })).experiment);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async searchExperiments(req: SearchExperimentsRequest): Promise<PagedList<Experiment>> {
    const res = await this.client.call('POST', 'experiments/search', {
      body: {
        filter: req.filter,
        max_results: req.maxResults ?? 1000,
        order_by: req.orderBy,
        page_token: req.pageToken,
        view_type: req.viewType,
      },
    });
    return { items: ((res.experiments ?? []) as any[]).map(decodeExperiment), nextPageToken: res.next_page_token || undefined };
  }

  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    await this.client.call('POST', 'experiments/set-experiment-tag', { body: { experiment_id: experimentId, key, value } });
  }

  async deleteExperiment(experimentId: string): Promise<void> {
    await this.client.call('POST', 'experiments/delete', { body: { experiment_id: experimentId } });
  }

  async createRun(req: CreateRunRequest): Promise<RunInfo> {
    return this.runCreated(await this.client.call('POST', 'runs/create', { body: createRunBody(req) }));
  }

  /**
   * One attempt at creating a run, bounded by `timeoutMs`: failover decides from its outcome
   * whether the server is there (RetryableError means it is not, or not now).
   */
  async createRunOnce(req: CreateRunRequest, timeoutMs: number): Promise<RunInfo> {
    return this.runCreated((await this.client.once('POST', 'runs/create', { body: createRunBody(req), timeoutMs })) as any);
  }

  /** The id of a live run of the experiment carrying tag key=value, if any (one attempt). */
  async findRunIdByTag(experimentId: string, key: string, value: string): Promise<string | undefined> {
    const res = await this.client.once('POST', 'runs/search', {
      body: {
        experiment_ids: [experimentId],
        filter: `tags.\`${key}\` = '${value.replace(/'/g, "\\'")}'`,
        run_view_type: 'ALL',
        max_results: 1,
      },
    });
    const run = ((res as { runs?: any[] }).runs ?? [])[0];
    return run === undefined ? undefined : String(run.info.run_id);
  }

  private runCreated(res: any): RunInfo {
    const info = decodeRunInfo(res.run.info);
    this.artifactRoots.set(info.runId, info.artifactUri);
    return info;
  }

  async updateRun(runId: string, req: UpdateRunRequest): Promise<RunInfo> {
    const res = await this.client.call('POST', 'runs/update', {
      body: { run_id: runId, status: req.status, end_time: req.endTime, run_name: req.runName },
    });
    return decodeRunInfo(res.run_info);
  }

  async getRun(runId: string): Promise<Run> {
    const res = await this.client.call('GET', 'runs/get', { query: { run_id: runId } });
    const run = decodeRun(res.run);
    this.artifactRoots.set(runId, run.info.artifactUri);
    return run;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.client.call('POST', 'runs/delete', { body: { run_id: runId } });
  }

  async restoreRun(runId: string): Promise<void> {
    await this.client.call('POST', 'runs/restore', { body: { run_id: runId } });
  }

  async searchRuns(req: SearchRunsRequest): Promise<PagedList<Run>> {
    const res = await this.client.call('POST', 'runs/search', {
      body: {
        experiment_ids: req.experimentIds,
        filter: req.filter,
        run_view_type: req.viewType,
        max_results: req.maxResults ?? 1000,
        order_by: req.orderBy,
        page_token: req.pageToken,
      },
    });
    return { items: ((res.runs ?? []) as any[]).map(decodeRun), nextPageToken: res.next_page_token || undefined };
  }

  /**
   * One attempt, no retries: the BatchUploader owns retrying (it sees RetryableError with the
   * server's Retry-After) so that it can count, bound and interrupt them.
   */
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    await this.client.once('POST', 'runs/log-batch', { body: encodeLogBatch(runId, batch) });
  }

  /** One attempt, like logBatch: called by the uploader in tag order. */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.client.once('POST', 'runs/delete-tag', { body: { run_id: runId, key } });
  }

  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    const out: Metric[] = [];
    let pageToken: string | undefined;
    do {
      const res = await this.client.call('GET', 'metrics/get-history', {
        query: { run_id: runId, metric_key: key, max_results: METRIC_HISTORY_PAGE_SIZE, page_token: pageToken },
      });
      for (const m of (res.metrics ?? []) as any[]) out.push(decodeMetric(m));
      pageToken = res.next_page_token || undefined;
    } while (pageToken);
    return out;
  }

  // ---- artifacts ----

  async logArtifact(runId: string, localFile: string, artifactPath: string): Promise<void> {
    const target = joinArtifactPath(validateArtifactPath(artifactPath), basename(localFile));
    const root = await this.artifactRoot(runId);
    const local = FileArtifacts.forUri(root);
    if (local) return local.copyIn(localFile, target);
    await this.client.call('PUT', this.artifactServicePath(root, target), {
      bodyFile: localFile,
      contentType: guessContentType(localFile),
      raw: true,
    });
  }

  async putArtifact(runId: string, artifactFile: string, bytes: Uint8Array): Promise<void> {
    const target = validateArtifactPath(artifactFile);
    if (!target) throw new InvalidArgumentError('An artifact file name is required.');
    const root = await this.artifactRoot(runId);
    const local = FileArtifacts.forUri(root);
    if (local) return local.write(target, bytes);
    await this.client.call('PUT', this.artifactServicePath(root, target), {
      rawBody: bytes,
      contentType: guessContentType(target),
      raw: true,
    });
  }

  async listArtifacts(runId: string, path: string): Promise<FileInfo[]> {
    const rel = validateArtifactPath(path);
    const out: FileInfo[] = [];
    const seenTokens = new Set<string>();
    let pageToken: string | undefined;
    do {
      const res = await this.client.call('GET', 'artifacts/list', {
        query: { run_id: runId, path: rel || undefined, page_token: pageToken },
      });
      for (const f of (res.files ?? []) as any[]) out.push(decodeFileInfo(f));
      pageToken = res.next_page_token || undefined;
      // A server that hands back a token twice, or pages without end, would keep us here forever.
      if (pageToken !== undefined && (seenTokens.has(pageToken) || out.length > this.artifactWalkLimits.maxEntries)) {
        throw invalidListing(`The artifact listing of '${rel}' pages without end; listing stopped.`);
      }
      if (pageToken !== undefined) seenTokens.add(pageToken);
    } while (pageToken);
    return out;
  }

  async downloadArtifacts(runId: string, path: string, dstDir: string): Promise<string> {
    const rel = validateArtifactPath(path);
    const root = await this.artifactRoot(runId);
    const local = FileArtifacts.forUri(root);
    if (local) return local.download(rel, dstDir);
    const entries = await this.listArtifacts(runId, rel);
    // A file path lists as itself (or nothing); a directory lists its children.
    const isDir = !rel || entries.length > 1 || (entries.length === 1 && entries[0]!.path !== rel);
    if (!isDir) {
      const dest = join(dstDir, rel);
      await this.downloadFile(root, rel, dest);
      return dest;
    }
    // The listings come from the server: the walk checks each path like the user's, refuses any
    // not strictly below its directory, and caps depth and count.
    await walkArtifactTree({
      dir: rel,
      firstListing: entries,
      list: (dir) => this.listArtifacts(runId, dir),
      fetchFile: (path) => this.downloadFile(root, path, join(dstDir, path)),
      limits: this.artifactWalkLimits,
      scrub: (text) => this.client.scrubber.scrub(text),
    });
    const dest = join(dstDir, rel);
    await mkdir(dest, { recursive: true });
    return dest;
  }

  // ---- artifact URIs (logged models) ----

  async uploadToArtifactUri(artifactUri: string, localDir: string): Promise<void> {
    const local = FileArtifacts.forUri(artifactUri);
    for (const rel of (await listFilesRecursive(localDir)).sort()) {
      const file = join(localDir, rel);
      if (local) {
        await local.copyIn(file, rel);
        continue;
      }
      await this.client.call('PUT', this.artifactServicePath(artifactUri, rel), {
        bodyFile: file,
        contentType: guessContentType(file),
        raw: true,
      });
    }
  }

  async downloadFromArtifactUri(artifactUri: string, relPath: string, dstDir: string): Promise<string> {
    const rel = validateArtifactPath(relPath);
    const local = FileArtifacts.forUri(artifactUri);
    if (local) return local.download(rel, dstDir);
    // The proxied service lists paths relative to the listed directory; the walk wants them
    // relative to the artifact URI (an entry '' or '.' then names the directory itself: refused).
    const list = async (dir: string): Promise<FileInfo[]> => {
      const listed = await this.client.call('GET', '/api/2.0/mlflow-artifacts/artifacts', {
        query: { path: artifactServiceSegments(artifactUri, dir, this.client).join('/') },
      });
      return ((listed.files ?? []) as Array<{ path?: unknown; is_dir?: boolean }>).map((f) => ({
        path: typeof f.path === 'string' ? (dir ? `${dir}/${f.path}` : f.path) : (f.path as string),
        isDir: Boolean(f.is_dir),
      }));
    };
    const files = await list(rel);
    if (files.length === 0 && rel) {
      const dest = join(dstDir, rel);
      await this.downloadFile(artifactUri, rel, dest);
      return dest;
    }
    await walkArtifactTree({
      dir: rel,
      firstListing: files,
      list,
      fetchFile: (path) => this.downloadFile(artifactUri, path, join(dstDir, path)),
      limits: this.artifactWalkLimits,
      scrub: (text) => this.client.scrubber.scrub(text),
    });
    const dest = rel ? join(dstDir, rel) : dstDir;
    await mkdir(dest, { recursive: true });
    return dest;
  }

  // ---- logged models (MLflow 3) ----

  private loggedModelsSupported: boolean | undefined;

  async supportsLoggedModels(): Promise<boolean> {
    if (this.loggedModelsSupported !== undefined) return this.loggedModelsSupported;
    try {
      await this.client.call('POST', 'logged-models/search', { body: { experiment_ids: ['0'], max_results: 1 } });
      this.loggedModelsSupported = true;
    } catch (err) {
      // MLflow 2 servers have no such endpoint.
      if ((err as { errorCode?: string }).errorCode === 'ENDPOINT_NOT_FOUND' || err instanceof NotFoundError) {
        this.loggedModelsSupported = false;
      } else throw err;
    }
    return this.loggedModelsSupported;
  }

  async createLoggedModel(experimentId: string, opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    const params = recordToKeyValues(opts.params);
    const res = await this.client.call('POST', 'logged-models', {
      body: {
        experiment_id: experimentId,
        name: opts.name,
        model_type: opts.modelType,
        source_run_id: opts.sourceRunId,
        // As MLflow's client: the first 100 params with the create call, the rest in batches of 100.
        params: params.slice(0, 100),
        tags: recordToKeyValues(opts.tags),
      },
    });
    const model = decodeLoggedModel(res.model);
    for (let i = 100; i < params.length; i += 100) {
      await this.client.call('POST', `logged-models/${encodeURIComponent(model.modelId)}/params`, {
        body: { model_id: model.modelId, params: params.slice(i, i + 100) },
      });
    }
    return params.length > 100 ? this.getLoggedModel(model.modelId) : model;
  }

  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    const res = await this.client.call('GET', `logged-models/${encodeURIComponent(modelId)}`);
    return decodeLoggedModel(res.model);
  }

  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    const res = await this.client.call('PATCH', `logged-models/${encodeURIComponent(modelId)}`, {
      body: { model_id: modelId, status },
    });
    return decodeLoggedModel(res.model);
  }

  async logModelOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void> {
    await this.client.call('POST', 'runs/outputs', {
      body: { run_id: runId, models: models.map((m) => ({ model_id: m.modelId, step: m.step })) },
    });
  }

  async logInputs(runId: string, datasets: DatasetInput[]): Promise<void> {
    // MLflow's server takes at most 1000 datasets per request.
    for (let i = 0; i < datasets.length; i += 1000) {
      await this.client.call('POST', 'runs/log-inputs', { body: { run_id: runId, datasets: datasets.slice(i, i + 1000).map(encodeDatasetInput) } });
    }
  }

  async searchLoggedModels(req: SearchLoggedModelsRequest): Promise<PagedList<LoggedModel>> {
    const res = await this.client.call('POST', 'logged-models/search', {
      body: {
        experiment_ids: req.experimentIds,
        filter: req.filter,
        datasets: req.datasets?.map((d) => ({ dataset_name: d.datasetName, dataset_digest: d.datasetDigest })),
        max_results: req.maxResults,
        order_by: req.orderBy?.map((o) => ({
          field_name: o.fieldName,
          ascending: o.ascending ?? true,
          dataset_name: o.datasetName,
          dataset_digest: o.datasetDigest,
        })),
        page_token: req.pageToken,
      },
    });
    return { items: ((res.models ?? []) as any[]).map(decodeLoggedModel), nextPageToken: res.next_page_token || undefined };
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>): Promise<void> {
    await this.client.call('PATCH', `logged-models/${encodeURIComponent(modelId)}/tags`, {
      body: { model_id: modelId, tags: recordToKeyValues(tags) },
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.client.call('DELETE', `logged-models/${encodeURIComponent(modelId)}/tags/${encodeURIComponent(key)}`, {
      body: { model_id: modelId, tag_key: key },
    });
  }

  /** Streams one artifact file to `dest` (temp file renamed into place); memory stays flat. */
  private async downloadFile(root: string, rel: string, dest: string): Promise<void> {
    await this.client.call('GET', this.artifactServicePath(root, rel), { saveTo: dest });
  }

  private async artifactRoot(runId: string): Promise<string> {
    const known = this.artifactRoots.get(runId);
    if (known) return known;
    return (await this.getRun(runId)).info.artifactUri;
  }

  /**
   * Resolves an `mlflow-artifacts:` (or the server's own http) artifact URI plus a relative path to
   * a path of the proxied artifact service, as MLflow's client does: the tracking URI's path prefix,
   * then /api/2.0/mlflow-artifacts/artifacts, then the URI's path.
   */
  artifactServicePath(root: string, rel: string): string {
    const segs = artifactServiceSegments(root, rel, this.client).map((seg) => encodeURIComponent(seg));
    return ['/api/2.0/mlflow-artifacts/artifacts', ...segs].join('/');
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

/** Serializes a batch for runs/log-batch; non-finite metric values become MLflow's strings. */
export function encodeLogBatch(runId: string, batch: LogBatch): string {
  return JSON.stringify({
    run_id: runId,
    metrics: batch.metrics.map((m) => ({
      key: m.key,
      value: encodeDouble(m.value),
      timestamp: m.timestamp,
      step: m.step,
      model_id: m.modelId,
      dataset_name: m.datasetName,
      dataset_digest: m.datasetDigest,
    })),
    params: batch.params,
    tags: batch.tags,
  });
}


function joinArtifactPath(dir: string, name: string): string {
  return dir ? `${dir}/${name}` : name;
}

function createRunBody(req: CreateRunRequest) {
  return {
    experiment_id: req.experimentId,
    start_time: req.startTime,
    run_name: req.runName,
    user_id: req.userId,
    tags: req.tags,
  };
}
