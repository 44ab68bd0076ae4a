import { randomUUID } from 'node:crypto';
import type { CreateLoggedModelOptions, Experiment, FileInfo, Metric, Run, RunInfo } from '../entities.js';
import { NetworkError, RetryableError } from '../errors.js';
import { parseRetryAfterMs } from '../rest/retry-policy.js';
import type { CreateRunRequest, FailoverAccess, LogBatch, StoreCapabilities, TrackingServerAccess, TrackingServerStore, TrackingStore, UpdateRunRequest } from '../store.js';
import { ServerPresence } from './server-presence.js';

/** Carried by every run runlog creates with a journal: finds the run again if its creation must be retried. */
export const CLIENT_RUN_ID_TAG = 'runlog.clientRunId';

export interface FailoverStoreOptions {
  /** Told about every run: the server's id, or the request to create it with later. */
  onRun?: (run: { id: string; sid?: string; create: CreateRunRequest }) => void;
  /** Told when a run started offline got its server id. */
  onServerId?: (id: string, sid: string) => void;
  /** Told once per run started while the server was unreachable. */
  onOffline?: (id: string, err: Error) => void;
  /** How long the first attempt at creating a run may take before the run starts offline. */
  createTimeoutMs?: number;
  /** Whether the server is known away; default: one probing GET /health of `inner`. */
  presence?: ServerPresence | undefined;
}

/**
 * A tracking server store (one with the trackingServer capability) that keeps training going when the server is away. A run that cannot be created now
 * (network error, 408/429/5xx) gets a local id at once and is created when the server answers
 * again; until then every call about it waits for that creation, which fails with a RetryableError
 * that the uploader backs off on. Creation is safe to retry: each run carries a client id tag and
 * is looked up by it before it is created again, so a creation whose answer was lost is not
 * repeated. Ids the caller holds never change: calls translate local ids to server ids.
 */
export class FailoverStore implements TrackingStore, FailoverAccess {
  readonly displayUri: string;
  /** Offers `failover` only: a failover store is not wrapped in another (it is the journal's own). */
  readonly capabilities: StoreCapabilities = { failover: this };
  /** The inner store's single bounded attempts. */
  private readonly server: TrackingServerAccess;
  readonly uploadConcurrency: number | undefined;
  readonly batchLimits: TrackingStore['batchLimits'];
  private readonly serverIds = new Map<string, string>();
  private readonly offline = new Map<string, CreateRunRequest>();
  private readonly creating = new Map<string, Promise<string>>();
  /** Offline runs whose creation the server asked to delay (Retry-After of the refused attempt). */
  private readonly notBefore = new Map<string, { at: number; err: RetryableError }>();
  /**
   * Known away or not: while it is, every call fails at once (runs start offline, the uploader
   * backs off) instead of each waiting for a connection; it is probed in the background.
   */
  readonly presence: ServerPresence;

  constructor(
    readonly inner: TrackingServerStore,
    private readonly opts: FailoverStoreOptions = {},
  ) {
    this.presence =
      opts.presence ??
      new ServerPresence({
        displayUri: inner.displayUri,
        probe: async () => {
          await inner.capabilities.trackingServer.probe(5000);
        },
      });
    this.server = inner.capabilities.trackingServer;
    this.displayUri = inner.displayUri;
    this.uploadConcurrency = inner.uploadConcurrency;
    this.batchLimits = inner.batchLimits;
  }

  async createRun(req: CreateRunRequest): Promise<RunInfo> {
    const clientId = randomUUID().replace(/-/g, '');
    const withId: CreateRunRequest = { ...req, tags: [...req.tags, { key: CLIENT_RUN_ID_TAG, value: clientId }] };
    try {
      // An experiment known only by name means the server was away a moment ago: start offline.
      if (req.experimentId === '') {
        const why = this.presence.reason ?? new NetworkError(`${this.displayUri} did not answer the experiment lookup`);
        throw new RetryableError('the experiment is not resolved yet', null, why);
      }
      const info = await this.presence.run(() => this.server.createRunOnce(withId, this.opts.createTimeoutMs ?? 15_000));
      this.opts.onRun?.({ id: info.runId, sid: info.runId, create: withId });
      return info;
    } catch (err) {
      if (!(err instanceof RetryableError)) throw err;
      this.addOfflineRun(clientId, withId);
      // A 429/503 with Retry-After: the server asked for quiet; creation waits that long.
      const wait = parseRetryAfterMs(err.retryAfter);
      if (wait !== undefined && wait > 0) this.notBefore.set(clientId, { at: Date.now() + wait, err });
      this.opts.onOffline?.(clientId, err.underlying);
      return {
        runId: clientId,
        runName: req.runName ?? '',
        experimentId: req.experimentId,
        userId: req.userId ?? '',
        status: 'RUNNING',
        startTime: req.startTime,
        artifactUri: '',
        lifecycleStage: 'active',
      };
    }
  }

  /** A run known only by its local id (from this process, or from a journal being replayed). */
  addOfflineRun(id: string, create: CreateRunRequest): void {
    this.offline.set(id, create);
    this.opts.onRun?.({ id, create });
  }

  /** A local id whose server id is already known (from a journal being replayed). */
  addServerId(id: string, sid: string): void {
    this.serverIds.set(id, sid);
    this.offline.delete(id);
  }

  /** True while the run still waits to be created on the server. */
  isOffline(runId: string): boolean {
    return this.offline.has(runId);
  }

  /** The server's id for a run id the caller holds; creates an offline run first. */
  serverId(runId: string): Promise<string> {
    const known = this.serverIds.get(runId);
    if (known !== undefined) return Promise.resolve(known);
    const create = this.offline.get(runId);
    if (create === undefined) return Promise.resolve(runId);
    try {
      this.presence.check();
    } catch (err) {
      return Promise.reject(err);
    }
    const delay = this.notBefore.get(runId);
    if (delay !== undefined) {
      const left = delay.at - Date.now();
      // Rejected like the refused attempt, with the wait left: the uploader sleeps that long.
      if (left > 0) return Promise.reject(new RetryableError(delay.err.message, String(Math.ceil(left / 1000)), delay.err.underlying));
      this.notBefore.delete(runId);
    }
    let pending = this.creating.get(runId);
    if (pending === undefined) {
      pending = this.createOffline(runId, create).finally(() => this.creating.delete(runId));
      this.creating.set(runId, pending);
    }
    return pending;
  }

  /**
   * One bounded attempt at finding an experiment by name: the experiment, null when there is
   * none, or 'offline' when the server did not answer (the caller then starts runs offline).
   */
  async lookupExperimentOnce(name: string): Promise<Experiment | null | 'offline'> {
    try {
      return await this.presence.run(() => this.server.findExperimentByNameOnce(name, this.opts.createTimeoutMs ?? 15_000));
    } catch (err) {
      if (err instanceof RetryableError) return 'offline';
      throw err;
    }
  }

  /** The experiment id of an offline run known by experiment name: found, or created, by that name. */
  private async experimentIdFor(create: CreateRunRequest): Promise<string> {
    const name = create.experimentName!;
    const found = await this.lookupExperimentOnce(name);
    if (found === 'offline') throw new RetryableError(`experiment '${name}' could not be looked up yet`, null, new NetworkError(`${this.displayUri} did not answer`));
    if (found !== null) return found.experimentId;
    try {
      return await this.inner.createExperiment(name);
    } catch (err) {
      // Created meanwhile by someone else.
      const again = await this.lookupExperimentOnce(name);
      if (again !== null && again !== 'offline') return again.experimentId;
      throw err;
    }
  }

  private async createOffline(runId: string, create: CreateRunRequest): Promise<string> {
    if (create.experimentId === '' && create.experimentName !== undefined) {
      create = { ...create, experimentId: await this.experimentIdFor(create) };
      this.offline.set(runId, create);
    }
    const clientId = create.tags.find((t) => t.key === CLIENT_RUN_ID_TAG)?.value ?? runId;
    // An earlier attempt may have reached the server even though its answer did not reach us.
    let sid = await this.server.findRunIdByTag(create.experimentId, CLIENT_RUN_ID_TAG, clientId);
    sid ??= (await this.server.createRunOnce(create, 30_000)).runId;
    this.serverIds.set(runId, sid);
    this.offline.delete(runId);
    this.opts.onServerId?.(runId, sid);
    return sid;
  }

  // ---- run-scoped calls: local ids become server ids ----

  async updateRun(runId: string, req: UpdateRunRequest): Promise<RunInfo> {
    const info = await this.net(async () => this.inner.updateRun(await this.serverId(runId), req));
    return { ...info, runId };
  }
  async getRun(runId: string): Promise<Run> {
    return this.net(async () => this.inner.getRun(await this.serverId(runId)));
  }
  async deleteRun(runId: string): Promise<void> {
    return this.net(async () => this.inner.deleteRun(await this.serverId(runId)));
  }
  async restoreRun(runId: string): Promise<void> {
    return this.net(async () => this.inner.restoreRun(await this.serverId(runId)));
  }
  async logBatch(runId: string, batch: LogBatch): Promise<void> {
    return this.presence.run(async () => this.inner.logBatch(await this.serverId(runId), batch));
  }
  async deleteTag(runId: string, key: string): Promise<void> {
    return this.presence.run(async () => this.inner.deleteTag(await this.serverId(runId), key));
  }
  async getMetricHistory(runId: string, key: string): Promise<Metric[]> {
    return this.net(async () => this.inner.getMetricHistory(await this.serverId(runId), key));
  }
  async logArtifact(runId: string, localFile: string, artifactPath: string): Promise<void> {
    return this.net(async () => this.inner.logArtifact(await this.serverId(runId), localFile, artifactPath));
  }
  async putArtifact(runId: string, artifactFile: string, bytes: Uint8Array): Promise<void> {
    return this.net(async () => this.inner.putArtifact(await this.serverId(runId), artifactFile, bytes));
  }
  async listArtifacts(runId: string, path: string): Promise<FileInfo[]> {
    return this.net(async () => this.inner.listArtifacts(await this.serverId(runId), path));
  }
  async downloadArtifacts(runId: string, path: string, dstDir: string): Promise<string> {
    return this.net(async () => this.inner.downloadArtifacts(await this.serverId(runId), path, dstDir));
  }
  async logModelOutputs(runId: string, models: Array<{ modelId: string; step: number }>): Promise<void> {
    return this.net(async () => this.inner.logModelOutputs(await this.serverId(runId), models));
  }
  async createLoggedModel(experimentId: string, opts: CreateLoggedModelOptions) {
    return this.net(async () => {
      const sourceRunId = opts.sourceRunId === undefined ? undefined : await this.serverId(opts.sourceRunId);
      return this.inner.createLoggedModel(experimentId, { ...opts, sourceRunId });
    });
  }

  // ---- the rest passes through ----

  createExperiment: TrackingStore['createExperiment'] = (...a) => this.net(() => this.inner.createExperiment(...a));
  getExperiment: TrackingStore['getExperiment'] = (...a) => this.net(() => this.inner.getExperiment(...a));
  findExperimentByName: TrackingStore['findExperimentByName'] = (...a) => this.net(() => this.inner.findExperimentByName(...a));
  searchExperiments: TrackingStore['searchExperiments'] = (...a) => this.net(() => this.inner.searchExperiments(...a));
  setExperimentTag: TrackingStore['setExperimentTag'] = (...a) => this.net(() => this.inner.setExperimentTag(...a));
  deleteExperiment: TrackingStore['deleteExperiment'] = (...a) => this.net(() => this.inner.deleteExperiment(...a));
  searchRuns: TrackingStore['searchRuns'] = (...a) => this.net(() => this.inner.searchRuns(...a));
  uploadToArtifactUri: TrackingStore['uploadToArtifactUri'] = (...a) => this.net(() => this.inner.uploadToArtifactUri(...a));
  downloadFromArtifactUri: TrackingStore['downloadFromArtifactUri'] = (...a) => this.net(() => this.inner.downloadFromArtifactUri(...a));
  supportsLoggedModels: TrackingStore['supportsLoggedModels'] = () => this.net(() => this.inner.supportsLoggedModels());
  getLoggedModel: TrackingStore['getLoggedModel'] = (...a) => this.net(() => this.inner.getLoggedModel(...a));
  finalizeLoggedModel: TrackingStore['finalizeLoggedModel'] = (...a) => this.net(() => this.inner.finalizeLoggedModel(...a));
  searchLoggedModels: TrackingStore['searchLoggedModels'] = (...a) => this.net(() => this.inner.searchLoggedModels(...a));
  setLoggedModelTags: TrackingStore['setLoggedModelTags'] = (...a) => this.net(() => this.inner.setLoggedModelTags(...a));
  deleteLoggedModelTag: TrackingStore['deleteLoggedModelTag'] = (...a) => this.net(() => this.inner.deleteLoggedModelTag(...a));
  close: TrackingStore['close'] = () => {
    this.presence.stop();
    return this.inner.close();
  };

  /**
   * One call to the server: at once rejected while it is known away; a failure to connect marks it
   * away. Rejects with the typed error itself (a NetworkError saying why), not the RetryableError
   * wrapper that only the uploader's calls (logBatch, deleteTag) keep for their backoff.
   */
  private async net<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.presence.run(fn);
    } catch (err) {
      throw err instanceof RetryableError ? err.underlying : err;
    }
  }
}
