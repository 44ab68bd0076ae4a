// Parallel coordinates: one vertical axis per param (the differing ones when there are many) and a
// last axis for the chosen metric; each run is a line across them in its color. Hand-written SVG.

import { axisScale, paramsDiff, type Column, type CompareRow } from './compare-columns.js';

export interface ParallelProps {
  rows: readonly CompareRow[];
  columns: readonly Column[];
  /** the metric on the last axis */
  metric: string | undefined;
  onMetric: (key: string) => void;
}

const MAX_PARAM_AXES = 12;
const HEIGHT = 300;
const TOP = 40;
const BOTTOM = HEIGHT - 24;
const PAD = 70;

/** The params to draw: all of them, or the differing ones when there are too many. */
function paramAxes(rows: readonly CompareRow[], columns: readonly Column[]): Column[] {
  const params = columns.filter((c) => c.kind === 'param');
  if (params.length <= MAX_PARAM_AXES) return params;
  const differing = new Set(paramsDiff(rows).filter((d) => d.differs).map((d) => d.key));
  return params.filter((c) => differing.has(c.key)).slice(0, MAX_PARAM_AXES);
}

export function ParallelCoordinates({ rows, columns, metric, onMetric }: ParallelProps) {
  const metrics = columns.filter((c) => c.kind === 'metric');
  const metricCol = metrics.find((c) => c.key === metric) ?? metrics[0];
  const axes = [...paramAxes(rows, columns), ...(metricCol ? [metricCol] : [])];
  const width = Math.max(640, PAD * 2 + (axes.length - 1) * 130);
  const xAt = (i: number) => (axes.length === 1 ? width / 2 : PAD + (i * (width - 2 * PAD)) / (axes.length - 1));
  const yAt = (p: number) => BOTTOM - p * (BOTTOM - TOP);
  const scales = axes.map((c) => axisScale(rows, c));
  return (
    <div class="compare-parallel">
      <label>
        Metric{' '}
        <select name="parallel-metric" value={metricCol?.key ?? ''} onChange={(e) => onMetric((e.currentTarget as HTMLSelectElement).value)}>
          {metrics.map((c) => (
            <option key={c.key} value={c.key}>{c.key}</option>
          ))}
        </select>
      </label>
      {axes.length < 2 ? (
        <p class="muted">Nothing to draw: the runs need params and a metric.</p>
      ) : (
        <svg class="compare-svg" viewBox={`0 0 ${width} ${HEIGHT}`} role="img" aria-label={`Parallel coordinates of params against ${metricCol?.key ?? 'a metric'}`}>
          {rows.map((r, ri) => {
            // a run missing a value on an axis leaves a gap there
            let d = '';
            let pen = false;
            scales.forEach((s, ai) => {
              const p = s.positions[ri];
              if (p === undefined) {
                pen = false;
                return;
              }
              d += `${pen ? 'L' : 'M'}${xAt(ai).toFixed(1)},${yAt(p).toFixed(1)}`;
              pen = true;
            });
            return (
              <path key={r.runId} class="compare-line" d={d} stroke={r.color} data-run-id={r.runId}>
                <title>{r.name}</title>
              </path>
            );
          })}
          {axes.map((c, ai) => (
            <g key={c.id} class={`compare-axis${c.kind === 'metric' ? ' compare-axis-metric' : ''}`}>
              <line x1={xAt(ai)} x2={xAt(ai)} y1={TOP} y2={BOTTOM} />
              <text x={xAt(ai)} y={TOP - 14} text-anchor="middle" class="compare-axis-label">
                {c.key.length > 18 ? `${c.key.slice(0, 17)}…` : c.key}
                <title>{c.key}</title>
              </text>
              {scales[ai]!.ticks.map((t) => (
                <text key={`${t.at}:${t.label}`} x={xAt(ai) + 5} y={yAt(t.at) + 4} class="compare-tick">
                  {t.label.length > 14 ? `${t.label.slice(0, 13)}…` : t.label}
                </text>
              ))}
            </g>
          ))}
        </svg>
      )}
    </div>
  );
}
