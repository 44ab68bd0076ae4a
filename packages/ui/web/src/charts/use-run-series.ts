// The data side of a MetricChart: fetches each run's downsampled series (the zoomed range when
// zoomed), and while a run is RUNNING polls for new buckets and appends them, so the chart grows
// without a reload. Polling pauses while the tab is hidden and stops once no run is running.

import { useEffect, useRef, useState } from 'preact/hooks';
import { appendBuckets, coarsen } from './bucket-merge.js';
import type { RunCurve } from './plot-data.js';
import { fetchMetricSeries, fetchRunStatus } from './series-api.js';
import type { SeriesPoint } from './series-types.js';
import { pointServerX, serverAxis, serverRange, type XAxisMode } from './x-axis.js';

/** A run as the charts take it. `status` and `startTime` are fetched when not given. */
export interface ChartRun {
  id: string;
  name: string;
  color: string;
  /** MLflow run status; RUNNING makes the chart poll for new points */
  status?: string;
  /** epoch ms, origin of the relative-time axis */
  startTime?: number;
}

interface RunState {
  points: SeriesPoint[];
  total: number;
  originMs: number;
  running: boolean;
}

export interface RunSeriesResult {
  curves: RunCurve[];
  phase: 'loading' | 'ready' | 'error';
  error: string | undefined;
  /** points in the full histories (summed over runs) */
  total: number;
  /** some run is still RUNNING, so the chart polls for new points */
  live: boolean;
}

/** Default interval between polls of a running run. */
export const LIVE_POLL_MS = 2000;

export function useRunSeries(
  runs: readonly ChartRun[],
  metricKey: string,
  xAxis: XAxisMode,
  buckets: number,
  zoom: readonly [number, number] | null,
  pollMs: number = LIVE_POLL_MS,
): RunSeriesResult {
  const [states, setStates] = useState<ReadonlyMap<string, RunState>>(new Map());
  const [phase, setPhase] = useState<RunSeriesResult['phase']>('loading');
  const [error, setError] = useState<string | undefined>(undefined);
  const statesRef = useRef(states);
  statesRef.current = states;
  const runsKey = runs.map((r) => `${r.id}:${r.status ?? ''}:${r.startTime ?? ''}`).join(',');
  const zoomKey = zoom ? `${zoom[0]}:${zoom[1]}` : '';

  // Full (or zoomed) fetch whenever what is shown changes; none while `buckets` is 0 (the chart's
  // width is not known yet).
  useEffect(() => {
    if (buckets <= 0) return undefined;
    const abort = new AbortController();
    setPhase('loading');
    const load = async (run: ChartRun): Promise<[string, RunState]> => {
      const known = statesRef.current.get(run.id);
      let status = run.status;
      let origin = run.startTime ?? known?.originMs;
      if (status === undefined || origin === undefined) {
        const s = await fetchRunStatus(run.id).catch(() => undefined);
        status ??= s?.status;
        origin ??= s?.startTime;
      }
      const range = zoom && origin !== undefined ? serverRange(zoom, xAxis, origin) : zoom && xAxis !== 'relative' ? serverRange(zoom, xAxis, 0) : undefined;
      const series = await fetchMetricSeries(
        { runId: run.id, key: metricKey, buckets, x: serverAxis(xAxis), minX: range?.[0], maxX: range?.[1] },
        abort.signal,
      );
      return [run.id, { points: series.points, total: series.total, originMs: origin ?? series.points[0]?.timestamp ?? 0, running: status === 'RUNNING' }];
    };
    Promise.all(runs.map(load)).then(
      (entries) => {
        if (abort.signal.aborted) return;
        setStates(new Map(entries));
        setError(undefined);
        setPhase('ready');
      },
      (e: unknown) => {
        if (abort.signal.aborted) return;
        setError(e instanceof Error ? e.message : String(e));
        setPhase('error');
      },
    );
    return () => abort.abort();
  }, [runsKey, metricKey, xAxis, buckets, zoomKey]);

  // Live: append new buckets of running runs (not while zoomed: the zoomed range is fixed).
  const anyRunning = [...states.values()].some((s) => s.running);
  useEffect(() => {
    if (zoom || phase !== 'ready' || !anyRunning) return undefined;
    const abort = new AbortController();
    let busy = false;
    const tick = async () => {
      if (busy || document.visibilityState === 'hidden') return;
      busy = true;
      try {
        const updates = new Map<string, RunState>();
        for (const [runId, st] of statesRef.current) {
          if (!st.running) continue;
          const status = await fetchRunStatus(runId).catch(() => undefined);
          const last = st.points.at(-1);
          const series = await fetchMetricSeries(
            { runId, key: metricKey, buckets, x: serverAxis(xAxis), minX: last ? pointServerX(last, xAxis) : undefined },
            abort.signal,
          );
          const points = coarsen(appendBuckets(st.points, series.points, (p) => pointServerX(p, xAxis)), buckets * 2);
          updates.set(runId, { ...st, points, total: Math.max(st.total, series.total), running: status ? status.status === 'RUNNING' : st.running });
        }
        if (!abort.signal.aborted && updates.size > 0) {
          setStates((prev) => {
            const next = new Map(prev);
            for (const [id, st] of updates) if (next.has(id)) next.set(id, st);
            return next;
          });
        }
      } catch {
        // a failed poll is retried on the next tick
      } finally {
        busy = false;
      }
    };
    const timer = setInterval(() => void tick(), pollMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      abort.abort();
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [runsKey, metricKey, xAxis, buckets, zoomKey, phase, anyRunning, pollMs]);

  const curves: RunCurve[] = [];
  let total = 0;
  for (const run of runs) {
    const st = states.get(run.id);
    if (!st) continue;
    total += st.total;
    curves.push({ runId: run.id, name: run.name, color: run.color, originMs: st.originMs, points: st.points });
  }
  return { curves, phase, error, total, live: anyRunning };
}
