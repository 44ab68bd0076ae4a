// A chart per metric of one run (ui-charts' MetricChart: full history, downsampled by the server,
// live while the run is RUNNING), with the page's chart settings kept in the URL. Many metrics are
// drawn a dozen at a time, so a run with hundreds of keys stays quick to open.
import { useMemo, useState } from 'preact/hooks';
import { ChartSettingsBar, MetricChart, runColor, useHashChartSettings, type ChartRun } from '../../charts/index.js';
import type { Run } from '../../api/types.js';
import { toNumber } from '../../components/format.js';

const CHARTS_AT_ONCE = 12;

export function MetricCharts({ run, keys, syncKey }: { run: Run; keys: string[]; syncKey: string }) {
  const [settings, setSettings] = useHashChartSettings();
  const [shown, setShown] = useState(CHARTS_AT_ONCE);
  const { run_id, run_name, status, start_time } = run.info;
  const runs = useMemo<ChartRun[]>(
    () => [{ id: run_id, name: run_name ?? run_id, color: runColor(0), status, startTime: toNumber(start_time) }],
    [run_id, run_name, status, start_time],
  );
  if (keys.length === 0) return null;
  return (
    <div class="metric-charts">
      <ChartSettingsBar value={settings} onChange={setSettings} />
      <div class="chart-grid">
        {keys.slice(0, shown).map((key) => (
          <div key={key} class="chart-card" data-metric={key}>
            <MetricChart runs={runs} metricKey={key} settings={settings} height={200} syncKey={syncKey} />
          </div>
        ))}
      </div>
      {keys.length > shown ? (
        <button type="button" onClick={() => setShown(shown + CHARTS_AT_ONCE)}>
          Show {Math.min(CHARTS_AT_ONCE, keys.length - shown)} more charts ({keys.length - shown} hidden)
        </button>
      ) : null}
    </div>
  );
}
