// The charts' reads from the runlog ui server: downsampled metric series and run status. Every
// request is bounded by a timeout and can be cancelled by the caller.

import { parseMetricSeries, type MetricSeries } from './series-types.js';

const TIMEOUT_MS = 30_000;

export interface SeriesQuery {
  runId: string;
  key: string;
  /** at most this many buckets (about the chart's width in pixels) */
  buckets: number;
  x: 'step' | 'time';
  minX?: number;
  maxX?: number;
}

/** GET /runlog-api/v1/metric-series for one run and key. */
export async function fetchMetricSeries(q: SeriesQuery, signal?: AbortSignal): Promise<MetricSeries> {
  const params = new URLSearchParams({ run_id: q.runId, key: q.key, buckets: String(Math.max(1, Math.round(q.buckets))), x: q.x });
  if (q.minX !== undefined) params.set('min_x', String(q.minX));
  if (q.maxX !== undefined) params.set('max_x', String(q.maxX));
  return parseMetricSeries(await getJson(`/runlog-api/v1/metric-series?${params}`, signal));
}

/** What the charts need to know about a run: is it still running, and when did it start. */
export interface RunStatus {
  status: string;
  startTime: number | undefined;
}

const statusCache = new Map<string, { at: number; value: Promise<RunStatus> }>();
/** Status answers are shared for this long, so the many charts of one page ask once per poll. */
const STATUS_TTL_MS = 1500;

/** The run's status and start time, shared between the charts polling it at the same time. */
export function fetchRunStatus(runId: string): Promise<RunStatus> {
  const now = Date.now();
  const hit = statusCache.get(runId);
  if (hit && now - hit.at < STATUS_TTL_MS) return hit.value;
  const value = getJson(`/ajax-api/2.0/mlflow/runs/get?run_id=${encodeURIComponent(runId)}`).then((body) => {
    const info = ((body as { run?: { info?: Record<string, unknown> } }).run?.info ?? {}) as Record<string, unknown>;
    const start = Number(info.start_time);
    return { status: String(info.status ?? 'UNKNOWN'), startTime: Number.isFinite(start) && start > 0 ? start : undefined };
  });
  statusCache.set(runId, { at: now, value });
  value.catch(() => statusCache.delete(runId));
  return value;
}

/** A GET answered with JSON; a non-2xx answer rejects with the server's message. */
export async function getJson(url: string, signal?: AbortSignal): Promise<unknown> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const res = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { accept: 'application/json' } });
  const text = await res.text();
  let body: unknown = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    throw new Error(`not JSON: ${url}`);
  }
  if (!res.ok) {
    const message = (body as { message?: string }).message;
    throw new Error(message ? message : `${res.status} ${res.statusText}`);
  }
  return body;
}
