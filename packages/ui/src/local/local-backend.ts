/** The ui server over a local `mlruns` store: MLflow's REST API answered from the run index. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FileRegistryStore, FileStore, FileArtifacts } from '@runlog/core/internal';
import { endpointNotFound, notFound } from '../http/api-error.js';
import type { ApiHandler, ApiHandlers } from '../http/api-handler.js';
import { ApiParams } from '../http/api-params.js';
import { sendJson } from '../http/http-io.js';
import { downsample, type MetricSeries, type SeriesRequest } from '../metric-series.js';
import type { ExperimentKeys, UiBackend } from '../ui-backend.js';
import { listUnder, resolveUnder, sendFile } from './artifact-files.js';
import { localRegistryHandlers } from './local-registry-api.js';
import { localTrackingHandlers } from './local-tracking-api.js';
import { MetricHistoryCache } from './metric-history-cache.js';
import { RunIndex } from './run-index.js';

const SERIES_CACHE_ENTRIES = 64;

export class LocalBackend implements UiBackend {
  readonly mode = 'local' as const;
  readonly displayUri: string;
  readonly index: RunIndex;
  private readonly store: FileStore;
  private readonly registry: FileRegistryStore;
  private readonly histories: MetricHistoryCache;
  private readonly handlers: ApiHandlers;
  private readonly seriesCache = new Map<string, { history: object; length: number; series: MetricSeries }>();

  constructor(
    readonly rootDir: string,
    displayUri: string,
  ) {
    this.displayUri = displayUri;
    this.store = new FileStore(rootDir);
    this.registry = new FileRegistryStore(rootDir);
    this.index = new RunIndex(rootDir);
    this.histories = new MetricHistoryCache(async (runId) => {
      const run = await this.index.get(runId);
      if (!run) throw notFound(`Run '${runId}' not found`);
      return run.dir;
    });
    this.handlers = {
      ...localTrackingHandlers({ store: this.store, index: this.index, histories: this.histories }),
      ...localRegistryHandlers(this.registry, this.store),
    };
  }

  warm(): Promise<void> {
    return this.index.warm();
  }

  async mlflow(route: string, method: string, params: ApiParams, _req: IncomingMessage, _res: ServerResponse, pathParam?: string): Promise<unknown> {
    const entry = this.handlers[route];
    const handler: ApiHandler | undefined = typeof entry === 'function' ? entry : entry?.[method];
    if (!handler) throw endpointNotFound(method, route);
    return handler(params, pathParam);
  }

  async artifactProxy(req: IncomingMessage, res: ServerResponse, relPath: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') throw endpointNotFound(method, '/api/2.0/mlflow-artifacts/artifacts');
    if (relPath === '') {
      sendJson(res, 200, { files: await listUnder(this.rootDir, query.get('path') ?? '') });
      return;
    }
    await sendFile(res, await resolveUnder(this.rootDir, relPath), relPath, method);
  }

  async getArtifact(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const p = ApiParams.fromQuery(query);
    const runId = p.string('run_id') || p.string('run_uuid', true);
    const path = p.string('path', true);
    const run = await this.index.get(runId);
    if (!run) throw notFound(`Run '${runId}' not found`);
    const repo = FileArtifacts.forUri(run.run.info.artifactUri);
    if (!repo) throw notFound(`Run ${runId} stores artifacts at ${run.run.info.artifactUri}, which this server cannot read.`);
    await sendFile(res, await resolveUnder(repo.rootDir, path), path, req.method ?? 'GET');
  }

  async metricSeries(runId: string, key: string, req: SeriesRequest): Promise<MetricSeries> {
    const history = await this.histories.get(runId, key);
    const cacheKey = JSON.stringify([runId, key, req.buckets, req.x, req.minX ?? null, req.maxX ?? null]);
    const hit = this.seriesCache.get(cacheKey);
    if (hit && hit.history === history && hit.length === history.length) return hit.series;
    const series = downsample(history, req);
    this.seriesCache.delete(cacheKey);
    this.seriesCache.set(cacheKey, { history, length: history.length, series });
    if (this.seriesCache.size > SERIES_CACHE_ENTRIES) this.seriesCache.delete(this.seriesCache.keys().next().value!);
    return series;
  }

  async experimentKeys(experimentIds: string[]): Promise<ExperimentKeys> {
    const runs = await this.index.runsOf(experimentIds, 'ALL');
    const params = new Set<string>();
    const metrics = new Set<string>();
    const tags = new Set<string>();
    for (const r of runs) {
      for (const k of Object.keys(r.run.data.params)) params.add(k);
      for (const k of Object.keys(r.run.data.metrics)) metrics.add(k);
      for (const k of Object.keys(r.run.data.tags)) tags.add(k);
    }
    const sorted = (s: Set<string>) => [...s].sort();
    return { params: sorted(params), metrics: sorted(metrics), tags: sorted(tags) };
  }

  async close(): Promise<void> {
    this.index.close();
    await Promise.all([this.store.close(), this.registry.close()]);
  }
}
