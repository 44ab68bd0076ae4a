// The run's metrics: a chart of each one's full history, then the latest value of each with its
// step and time. `system/*` metrics have their own section (SystemMetrics).
import type { Metric, Run } from '../../api/types.js';
import { formatTime, formatValue } from '../../components/format.js';
import { MetricCharts } from './metric-charts.js';

export function isSystemMetric(key: string): boolean {
  return key.startsWith('system/');
}

export function MetricsTable({ metrics, label }: { metrics: Metric[]; label: string }) {
  if (metrics.length === 0) return <p class="muted">No metrics.</p>;
  return (
    <table class="list-table metrics-table" aria-label={label}>
      <thead>
        <tr>
          <th>Metric</th>
          <th class="num">Latest value</th>
          <th class="num">Step</th>
          <th>Logged</th>
        </tr>
      </thead>
      <tbody>
        {metrics.map((m) => (
          <tr key={m.key}>
            <th scope="row">{m.key}</th>
            <td class="num">{formatValue(m.value)}</td>
            <td class="num">{m.step ?? 0}</td>
            <td>{formatTime(m.timestamp)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunMetrics({ run }: { run: Run }) {
  const metrics = (run.data.metrics ?? []).filter((m) => !isSystemMetric(m.key)).sort((a, b) => a.key.localeCompare(b.key));
  return (
    <section class="card" aria-labelledby="metrics-title">
      <h2 id="metrics-title">Metrics ({metrics.length})</h2>
      <MetricCharts run={run} keys={metrics.map((m) => m.key)} syncKey={`run-${run.info.run_id}`} />
      <details class="latest-values" open={metrics.length <= 6}>
        <summary>Latest values</summary>
        <MetricsTable metrics={metrics} label="Metrics" />
      </details>
    </section>
  );
}
