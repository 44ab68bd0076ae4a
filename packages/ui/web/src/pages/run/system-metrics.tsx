// The run's system metrics (`system/cpu_utilization_percentage`, `system/gpu_0_memory_usage_megabytes`…)
// grouped by what they measure: the first word after `system/` (cpu, memory, disk, network, gpu).
import type { Metric, Run } from '../../api/types.js';
import { MetricCharts } from './metric-charts.js';
import { isSystemMetric, MetricsTable } from './run-metrics.js';

export function systemMetricGroups(run: Run): Map<string, Metric[]> {
  const groups = new Map<string, Metric[]>();
  const metrics = (run.data.metrics ?? []).filter((m) => isSystemMetric(m.key)).sort((a, b) => a.key.localeCompare(b.key));
  for (const metric of metrics) {
    const group = metric.key.slice('system/'.length).split(/[_/]/)[0] || 'other';
    const list = groups.get(group) ?? [];
    list.push(metric);
    groups.set(group, list);
  }
  return groups;
}

export function SystemMetrics({ run }: { run: Run }) {
  const groups = systemMetricGroups(run);
  return (
    <section class="card" aria-labelledby="system-title">
      <h2 id="system-title">System metrics</h2>
      {groups.size === 0 ? <p class="muted">No system metrics (see the README's system metrics section to turn them on).</p> : null}
      {[...groups].map(([group, metrics]) => (
        <div key={group} class="metric-group">
          <h3>{group}</h3>
          <MetricCharts run={run} keys={metrics.map((m) => m.key)} syncKey={`system-${run.info.run_id}`} />
          <MetricsTable metrics={metrics} label={`System metrics: ${group}`} />
        </div>
      ))}
    </section>
  );
}
