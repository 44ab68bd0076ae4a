// A scatter plot of any two columns (params or latest metrics), one point per run in its color.
// Hand-written SVG: at most 20 points, so no chart library is needed.

import { axisScale, columnById, type Column, type CompareRow } from './compare-columns.js';
import { paramsDiff } from './compare-columns.js';

export interface ScatterProps {
  rows: readonly CompareRow[];
  columns: readonly Column[];
  xId: string | null;
  yId: string | null;
  onChange: (xId: string, yId: string) => void;
}

const W = 640;
const H = 360;
const LEFT = 70;
const RIGHT = 20;
const TOP = 16;
const BOTTOM = 50;

/** Without a choice: x is the first differing param (else the first column), y the first metric. */
function defaults(rows: readonly CompareRow[], columns: readonly Column[]): [Column | undefined, Column | undefined] {
  const differing = paramsDiff(rows).find((d) => d.differs);
  const x = (differing && columns.find((c) => c.id === `param:${differing.key}`)) ?? columns[0];
  const y = columns.find((c) => c.kind === 'metric' && c !== x) ?? columns.find((c) => c !== x);
  return [x, y];
}

export function ScatterPlot({ rows, columns, xId, yId, onChange }: ScatterProps) {
  const [dx, dy] = defaults(rows, columns);
  const xCol = columnById(columns, xId) ?? dx;
  const yCol = columnById(columns, yId) ?? dy;
  if (!xCol || !yCol) return <p class="muted">Nothing to plot: the runs have no params or metrics.</p>;
  const xs = axisScale(rows, xCol);
  const ys = axisScale(rows, yCol);
  const px = (p: number) => LEFT + p * (W - LEFT - RIGHT - 20) + 10;
  const py = (p: number) => H - BOTTOM - p * (H - BOTTOM - TOP - 20) - 10;
  const select = (name: string, value: Column, set: (id: string) => void) => (
    <select name={name} value={value.id} onChange={(e) => set((e.currentTarget as HTMLSelectElement).value)}>
      {columns.map((c) => (
        <option key={c.id} value={c.id}>{`${c.kind === 'param' ? 'param' : 'metric'}: ${c.key}`}</option>
      ))}
    </select>
  );
  return (
    <div class="compare-scatter">
      <label>X {select('scatter-x', xCol, (id) => onChange(id, yCol.id))}</label>{' '}
      <label>Y {select('scatter-y', yCol, (id) => onChange(xCol.id, id))}</label>
      <svg class="compare-svg" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${yCol.key} against ${xCol.key}`}>
        <line class="compare-frame" x1={LEFT} x2={W - RIGHT} y1={H - BOTTOM} y2={H - BOTTOM} />
        <line class="compare-frame" x1={LEFT} x2={LEFT} y1={TOP} y2={H - BOTTOM} />
        {xs.ticks.map((t) => (
          <text key={`x${t.at}:${t.label}`} class="compare-tick" x={px(t.at)} y={H - BOTTOM + 16} text-anchor="middle">{t.label}</text>
        ))}
        {ys.ticks.map((t) => (
          <text key={`y${t.at}:${t.label}`} class="compare-tick" x={LEFT - 6} y={py(t.at) + 4} text-anchor="end">{t.label}</text>
        ))}
        <text class="compare-axis-label" x={(LEFT + W - RIGHT) / 2} y={H - 10} text-anchor="middle">{xCol.key}</text>
        <text class="compare-axis-label" x={14} y={(TOP + H - BOTTOM) / 2} text-anchor="middle" transform={`rotate(-90 14 ${(TOP + H - BOTTOM) / 2})`}>{yCol.key}</text>
        {rows.map((r, i) => {
          const x = xs.positions[i];
          const y = ys.positions[i];
          if (x === undefined || y === undefined) return null;
          return (
            <circle key={r.runId} class="compare-point" cx={px(x)} cy={py(y)} r={6} fill={r.color} data-run-id={r.runId}>
              <title>{`${r.name}\n${xCol.key}: ${String(r[xCol.kind === 'param' ? 'params' : 'metrics'][xCol.key])}\n${yCol.key}: ${String(r[yCol.kind === 'param' ? 'params' : 'metrics'][yCol.key])}`}</title>
            </circle>
          );
        })}
      </svg>
    </div>
  );
}
