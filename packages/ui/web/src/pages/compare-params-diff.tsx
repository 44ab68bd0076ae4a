// The params of the compared runs side by side; rows whose values differ are highlighted, and a
// toggle hides the rows where every run agrees.

import { paramsDiff, type CompareRow } from './compare-columns.js';

export interface ParamsDiffProps {
  rows: readonly CompareRow[];
  onlyDiffering: boolean;
  onToggle: (onlyDiffering: boolean) => void;
}

export function ParamsDiff({ rows, onlyDiffering, onToggle }: ParamsDiffProps) {
  const diff = paramsDiff(rows);
  const differing = diff.filter((d) => d.differs).length;
  const shown = onlyDiffering ? diff.filter((d) => d.differs) : diff;
  if (diff.length === 0) return <p class="muted">No params.</p>;
  return (
    <>
      <label class="compare-diff-toggle">
        <input type="checkbox" checked={onlyDiffering} onChange={(e) => onToggle((e.currentTarget as HTMLInputElement).checked)} />
        Only the {differing} differing of {diff.length} params
      </label>
      <div class="compare-table-wrap">
        <table class="list-table compare-params" aria-label="Params diff">
          <thead>
            <tr>
              <th>Param</th>
              {rows.map((r) => (
                <th key={r.runId} title={r.runId}>
                  <span class="runlog-chart-swatch" style={{ background: r.color }} /> {r.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((d) => (
              <tr key={d.key} class={d.differs ? 'differs' : undefined} data-differs={d.differs ? 'true' : 'false'}>
                <th scope="row">{d.key}</th>
                {d.values.map((v, i) => (
                  <td key={rows[i]!.runId} class={v === undefined ? 'muted' : undefined}>
                    {v ?? '—'}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
