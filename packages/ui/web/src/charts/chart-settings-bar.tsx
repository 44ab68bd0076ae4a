// The settings bar above a page's charts: x axis (step, wall time, relative time), EMA smoothing,
// logarithmic y. Plain form controls, so it works from the keyboard.

import { MAX_SMOOTHING, type ChartSettings } from './chart-settings.js';
import type { XAxisMode } from './x-axis.js';

export interface ChartSettingsBarProps {
  value: ChartSettings;
  onChange: (next: ChartSettings) => void;
}

const X_LABELS: Record<XAxisMode, string> = { step: 'Step', wall: 'Wall time', relative: 'Relative time' };

export function ChartSettingsBar({ value, onChange }: ChartSettingsBarProps) {
  return (
    <div class="runlog-chart-settings" role="group" aria-label="Chart settings">
      <label>
        X axis
        <select
          name="x-axis"
          value={value.xAxis}
          onChange={(e) => onChange({ ...value, xAxis: (e.currentTarget as HTMLSelectElement).value as XAxisMode })}
        >
          {(Object.keys(X_LABELS) as XAxisMode[]).map((m) => (
            <option value={m} key={m}>{X_LABELS[m]}</option>
          ))}
        </select>
      </label>
      <label>
        Smoothing
        <input
          type="range"
          name="smoothing"
          min={0}
          max={MAX_SMOOTHING}
          step={0.01}
          value={value.smoothing}
          onInput={(e) => onChange({ ...value, smoothing: Number((e.currentTarget as HTMLInputElement).value) })}
        />
        <output>{value.smoothing.toFixed(2)}</output>
      </label>
      <label>
        <input
          type="checkbox"
          name="log-y"
          checked={value.logY}
          onChange={(e) => onChange({ ...value, logY: (e.currentTarget as HTMLInputElement).checked })}
        />
        Log scale
      </label>
    </div>
  );
}
