/** runlog's own routes under `/runlog-api/v1/`: info, metric-series, experiment-keys. */
import { ApiParams } from './api-params.js';
import { endpointNotFound, invalidParameter } from './api-error.js';
import { encodeSeriesPoint } from '../metric-series.js';
import type { UiBackend } from '../ui-backend.js';

export const RUNLOG_API_PREFIX = '/runlog-api/v1/';
/** The most buckets a series may ask for. */
const MAX_BUCKETS = 20_000;

export interface ServerInfo {
  mode: 'local' | 'server';
  trackingUri: string;
  readOnly: boolean;
  version: string;
}

export async function runlogApi(backend: UiBackend, info: ServerInfo, method: string, name: string, query: URLSearchParams): Promise<unknown> {
  if (method !== 'GET') throw endpointNotFound(method, RUNLOG_API_PREFIX + name);
  const p = ApiParams.fromQuery(query);
  switch (name) {
    case 'info':
      return info;
    case 'metric-series': {
      const runId = p.string('run_id', true);
      const key = p.string('key', true);
      const minX = p.number('min_x');
      const maxX = p.number('max_x');
      if (minX !== undefined && maxX !== undefined && minX > maxX) throw invalidParameter('min_x must not be greater than max_x.');
      const series = await backend.metricSeries(runId, key, {
        buckets: p.integer('buckets', { min: 1, max: MAX_BUCKETS }) ?? 1000,
        x: p.oneOf('x', ['step', 'time'] as const, 'step'),
        minX,
        maxX,
      });
      return { runId, key, total: series.total, downsampled: series.downsampled, points: series.points.map(encodeSeriesPoint) };
    }
    case 'experiment-keys': {
      const ids = p.strings('experiment_ids');
      if (ids.length === 0) throw invalidParameter("Missing value for required parameter 'experiment_ids'.");
      return backend.experimentKeys(ids);
    }
    default:
      throw endpointNotFound(method, RUNLOG_API_PREFIX + name);
  }
}
