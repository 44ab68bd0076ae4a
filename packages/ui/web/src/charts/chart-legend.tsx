// The hover legend under a chart: every run's value at the hovered x (each run's nearest point),
// or its last value when the pointer is elsewhere.

import type { Signal } from '@preact/signals';
import { formatValue } from './format.js';
import type { RunLookup } from './plot-data.js';
import { nearestIndex } from './nearest.js';
import { formatX, type XAxisMode } from './x-axis.js';

export interface LegendProps {
  runs: readonly RunLookup[];
  /** the hovered chart x, or null when the pointer is not over the chart */
  hoverX: Signal<number | null>;
  xAxis: XAxisMode;
  smoothed: boolean;
}

export function ChartLegend({ runs, hoverX, xAxis, smoothed }: LegendProps) {
  const x = hoverX.value;
  return (
    <div class="runlog-chart-legend" data-hover={x === null ? undefined : 'true'}>
      <div class="runlog-chart-legend-x">{x === null ? 'last' : formatX(x, xAxis)}</div>
      {runs.map((r) => {
        const i = x === null ? r.xs.length - 1 : nearestIndex(r.xs, x);
        const raw = i >= 0 ? r.raw[i] : undefined;
        const smooth = i >= 0 ? r.smooth[i] : undefined;
        return (
          <div class="runlog-chart-legend-row" data-run-id={r.runId} key={r.runId}>
            <span class="runlog-chart-swatch" style={{ background: r.color }} />
            <span class="runlog-chart-legend-name" title={r.runId}>{r.name}</span>
            <span class="runlog-chart-legend-value" data-step={i >= 0 ? r.steps[i] : undefined}>
              {smoothed ? formatValue(smooth) : formatValue(raw)}
            </span>
            {smoothed && <span class="runlog-chart-legend-raw">({formatValue(raw)})</span>}
            {x !== null && xAxis !== 'step' && i >= 0 && <span class="runlog-chart-legend-step">step {r.steps[i]}</span>}
          </div>
        );
      })}
    </div>
  );
}
