/**
 * The ui server in front of an MLflow tracking server: MLflow routes and artifact downloads are
 * forwarded with the credentials of the environment; runlog's own routes are computed here
 * (metric-series from the server's full paged history, experiment-keys from a bounded scan).
 * Only status, content type and body come back from the server: never its cookies or auth
 * challenges, and never the credentials.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Dispatcher } from 'undici';
import { decodeMetric } from '@runlog/core/internal';
import { invalidParameter } from '../http/api-error.js';
import type { ApiParams } from '../http/api-params.js';
import { ARTIFACT_SAFETY_HEADERS, artifactContentType } from '../http/content-type.js';
import { historyFromMetrics, type MetricHistory } from '../local/metric-history.js';
import { downsample, type MetricSeries, type SeriesRequest } from '../metric-series.js';
import { RESPONDED, type ExperimentKeys, type UiBackend } from '../ui-backend.js';
import { Upstream } from './upstream.js';

/** Points per get-history page (MLflow's largest). */
const HISTORY_PAGE = 25_000;
/** The most points fetched for one series. */
const MAX_HISTORY_POINTS = 5_000_000;
/** Runs looked at for experiment-keys (pages of 1000). */
const KEYS_SCAN_RUNS = 5_000;
/** A running run's history is fetched again after this long. */
const LIVE_HISTORY_TTL_MS = 2_000;
const HISTORY_CACHE_ENTRIES = 32;
const MAX_ERROR_BODY = 64 * 1024;

export class RemoteBackend implements UiBackend {
  readonly mode = 'server' as const;
  readonly displayUri: string;
  private readonly upstream: Upstream;
  private readonly histories = new Map<string, { history: MetricHistory; fetchedAt: number; finished: boolean }>();

  constructor(baseUrl: string, env: Record<string, string | undefined>) {
    this.upstream = new Upstream(baseUrl, env);
    this.displayUri = baseUrl;
  }

  async warm(): Promise<void> {}

  async mlflow(route: string, method: string, params: ApiParams, req: IncomingMessage, res: ServerResponse, pathParam?: string): Promise<unknown> {
    const endpoint = pathParam === undefined ? route : route.replace('{model_id}', encodeURIComponent(pathParam));
    const search = method === 'GET' ? new URL(req.url ?? '/', 'http://x').search : '';
    const body = method === 'GET' ? undefined : JSON.stringify(params.toJSON());
    const upstream = await this.upstream.request(
      method as Dispatcher.HttpMethod,
      `/api/2.0/mlflow/${endpoint}${search}`,
      body,
      body === undefined ? {} : { 'content-type': 'application/json' },
    );
    await this.relay(upstream, res, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    return RESPONDED;
  }

  async artifactProxy(req: IncomingMessage, res: ServerResponse, relPath: string, query: URLSearchParams): Promise<void> {
    const method = (req.method ?? 'GET') as Dispatcher.HttpMethod;
    const path = `/api/2.0/mlflow-artifacts/artifacts${relPath ? '/' + relPath.split('/').map(encodeURIComponent).join('/') : ''}${[...query].length ? `?${query}` : ''}`;
    const hasBody = method === 'PUT' || method === 'POST';
    const upstream = await this.upstream.request(method, path, hasBody ? req : undefined, req.headers);
    await this.relay(upstream, res, relPath ? { 'content-type': artifactContentType(relPath), ...ARTIFACT_SAFETY_HEADERS } : { 'content-type': 'application/json' });
  }

  async getArtifact(_req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    const path = query.get('path');
    if (!path) throw invalidParameter("Missing value for required parameter 'path'.");
    const upstream = await this.upstream.request('GET', `/get-artifact?${query}`);
    await this.relay(upstream, res, { 'content-type': artifactContentType(path), ...ARTIFACT_SAFETY_HEADERS, 'cache-control': 'no-cache' });
  }

  async metricSeries(runId: string, key: string, req: SeriesRequest): Promise<MetricSeries> {
    return downsample(await this.history(runId, key), req);
  }

  async experimentKeys(experimentIds: string[]): Promise<ExperimentKeys> {
    const params = new Set<string>();
    const metrics = new Set<string>();
    const tags = new Set<string>();
    let pageToken: string | undefined;
    let seen = 0;
    do {
      const res = await this.upstream.json('POST', 'runs/search', {
        body: { experiment_ids: experimentIds, run_view_type: 'ALL', max_results: 1000, page_token: pageToken },
      });
      for (const run of (res.runs ?? []) as any[]) {
        for (const p of run.data?.params ?? []) params.add(p.key);
        for (const m of run.data?.metrics ?? []) metrics.add(m.key);
        for (const t of run.data?.tags ?? []) tags.add(t.key);
        seen++;
      }
      pageToken = res.next_page_token || undefined;
    } while (pageToken && seen < KEYS_SCAN_RUNS);
    const sorted = (s: Set<string>) => [...s].sort();
    return { params: sorted(params), metrics: sorted(metrics), tags: sorted(tags) };
  }

  async close(): Promise<void> {
    await this.upstream.close();
  }

  /** The full history from get-history pages, cached; a running run's is fetched again when stale. */
  private async history(runId: string, key: string): Promise<MetricHistory> {
    const cacheKey = `${runId}\0${key}`;
    const hit = this.histories.get(cacheKey);
    if (hit && (hit.finished || Date.now() - hit.fetchedAt < LIVE_HISTORY_TTL_MS)) return hit.history;
    const run = await this.upstream.json('GET', 'runs/get', { query: new URLSearchParams({ run_id: runId }) });
    const finished = run.run?.info?.status !== undefined && run.run.info.status !== 'RUNNING';
    const points = [];
    let pageToken: string | undefined;
    do {
      const query = new URLSearchParams({ run_id: runId, metric_key: key, max_results: String(HISTORY_PAGE) });
      if (pageToken) query.set('page_token', pageToken);
      const res = await this.upstream.json('GET', 'metrics/get-history', { query });
      for (const m of (res.metrics ?? []) as unknown[]) points.push(decodeMetric(m));
      pageToken = res.next_page_token || undefined;
    } while (pageToken && points.length < MAX_HISTORY_POINTS);
    const history = historyFromMetrics(key, points);
    this.histories.delete(cacheKey);
    this.histories.set(cacheKey, { history, fetchedAt: Date.now(), finished });
    if (this.histories.size > HISTORY_CACHE_ENTRIES) this.histories.delete(this.histories.keys().next().value!);
    return history;
  }

  /** Sends an upstream answer on: 2xx bodies streamed, error bodies in MLflow's envelope (scrubbed). */
  private async relay(upstream: Awaited<ReturnType<Upstream['request']>>, res: ServerResponse, headers: Record<string, string>): Promise<void> {
    if (upstream.status >= 200 && upstream.status < 300) {
      const length = upstream.headers['content-length'];
      res.writeHead(upstream.status, { ...headers, ...(typeof length === 'string' ? { 'content-length': length } : {}) });
      await pipeline(upstream.body, res).catch(() => res.destroy());
      return;
    }
    let text = '';
    for await (const chunk of upstream.body) {
      if (text.length < MAX_ERROR_BODY) text += Buffer.from(chunk as Uint8Array).toString('utf8');
    }
    throw this.upstream.errorOf(upstream.status, text);
  }
}
