// The shapes of runlog's `/runlog-api/v1/metric-series` answer, as the charts use them.
// DOM-free, so the pure chart functions that take these can be unit-tested under node.

/** One bucket of a metric history: the last point of the bucket, plus the bucket's min and max. */
export interface SeriesPoint {
  step: number;
  /** epoch milliseconds */
  timestamp: number;
  /** the last value in the bucket */
  value: number;
  min: number;
  max: number;
  /** how many logged points the bucket holds (1 where the history is not downsampled) */
  count: number;
}

/** The server's answer for one run and one metric key, sorted by x. */
export interface MetricSeries {
  runId: string;
  key: string;
  /** points in the full history */
  total: number;
  downsampled: boolean;
  points: SeriesPoint[];
}

/** MLflow writes NaN and ±Infinity as the strings "NaN", "Infinity", "-Infinity"; numbers pass through. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = Number(value);
    return value.trim() === '' ? Number.NaN : n;
  }
  return Number.NaN;
}

/** Normalizes a JSON answer (numbers possibly as strings, count possibly absent) to a MetricSeries. */
export function parseMetricSeries(json: unknown): MetricSeries {
  const body = (json ?? {}) as Record<string, unknown>;
  const raw = Array.isArray(body.points) ? (body.points as Record<string, unknown>[]) : [];
  const points = raw.map((p) => {
    const value = toNumber(p.value);
    return {
      step: toNumber(p.step ?? 0),
      timestamp: toNumber(p.timestamp ?? 0),
      value,
      min: p.min === undefined ? value : toNumber(p.min),
      max: p.max === undefined ? value : toNumber(p.max),
      count: p.count === undefined ? 1 : toNumber(p.count),
    };
  });
  return {
    runId: String(body.runId ?? ''),
    key: String(body.key ?? ''),
    total: typeof body.total === 'number' ? body.total : points.length,
    downsampled: body.downsampled === true,
    points,
  };
}
