// The compare view, `#/compare?runs=a,b,…` (2 to 20 runs) plus the chart settings in the query:
// the params diff, every metric's curves overlaid, parallel coordinates of the params against a
// chosen metric, and a scatter plot of any two columns.

import { getRun } from '../api/tracking.js';
import type { Run } from '../api/types.js';
import { ChartSettingsBar, MetricChart, runColor, useHashChartSettings, type ChartRun } from '../charts/index.js';
import { toNumber } from '../charts/series-types.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { useAsync } from '../components/use-async.js';
import { href, navigate, route, withQueryChanges } from '../router.js';
import { compareColumns, type CompareRow } from './compare-columns.js';
import { ParallelCoordinates } from './compare-parallel.js';
import { ParamsDiff } from './compare-params-diff.js';
import { ScatterPlot } from './compare-scatter.js';
import './compare.css';

export const MAX_COMPARED_RUNS = 20;

function toRow(run: Run, index: number): CompareRow {
  const params: Record<string, string> = {};
  for (const p of run.data.params ?? []) params[p.key] = p.value;
  const metrics: Record<string, number> = {};
  for (const m of run.data.metrics ?? []) metrics[m.key] = toNumber(m.value);
  return { runId: run.info.run_id, name: run.info.run_name || run.info.run_id.slice(0, 8), color: runColor(index), params, metrics };
}

/** Metric keys of any run; the system metrics last. */
function metricKeys(rows: readonly CompareRow[]): string[] {
  const keys = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.metrics)) keys.add(k);
  const sorted = [...keys].sort();
  return [...sorted.filter((k) => !k.startsWith('system/')), ...sorted.filter((k) => k.startsWith('system/'))];
}

export function ComparePage({ runIds }: { runIds: string[] }) {
  const ids = [...new Set(runIds)].slice(0, MAX_COMPARED_RUNS);
  const runs = useAsync(() => Promise.all(ids.map((id) => getRun(id))), [ids.join(',')]);
  const [settings, setSettings] = useHashChartSettings();
  const query = route.value.query;

  if (ids.length < 2) {
    return (
      <main class="page compare-page">
        <h1>Compare runs</h1>
        <p class="muted">Pick 2 to {MAX_COMPARED_RUNS} runs in a runs table and press Compare, or open <code>#/compare?runs=&lt;id&gt;,&lt;id&gt;</code>.</p>
      </main>
    );
  }
  if (runs.error && !runs.data) {
    return (
      <main class="page compare-page">
        <ErrorBox error={runs.error} title="Compare runs" />
      </main>
    );
  }
  if (!runs.data) {
    return (
      <main class="page compare-page">
        <Loading what="runs" />
      </main>
    );
  }
  const rows = runs.data.map(toRow);
  const chartRuns: ChartRun[] = runs.data.map((r, i) => ({
    id: r.info.run_id,
    name: rows[i]!.name,
    color: rows[i]!.color,
    status: r.info.status,
    startTime: r.info.start_time === undefined ? undefined : Number(r.info.start_time),
  }));
  const keys = metricKeys(rows);
  const columns = compareColumns(rows);
  const setQuery = (changes: Record<string, string | undefined>) => navigate(withQueryChanges(changes), { replace: true });
  return (
    <main class="page compare-page" data-compared={rows.length}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Experiments</a> / <a href={href(['experiments', runs.data[0]!.info.experiment_id])}>{runs.data[0]!.info.experiment_id}</a> / <span>compare</span>
      </nav>
      <h1>Compare {rows.length} runs</h1>
      {runIds.length > MAX_COMPARED_RUNS && <p class="muted">Showing the first {MAX_COMPARED_RUNS} of {runIds.length} runs.</p>}
      <ul class="compare-runs" aria-label="Compared runs">
        {rows.map((r) => (
          <li key={r.runId}>
            <span class="runlog-chart-swatch" style={{ background: r.color }} />
            <a href={href(['runs', r.runId])}>{r.name}</a>
          </li>
        ))}
      </ul>
      <section class="card" aria-labelledby="compare-params-title">
        <h2 id="compare-params-title">Params</h2>
        <ParamsDiff rows={rows} onlyDiffering={query.get('diff') === '1'} onToggle={(on) => setQuery({ diff: on ? '1' : undefined })} />
      </section>
      <section class="card compare-charts" aria-labelledby="compare-metrics-title">
        <h2 id="compare-metrics-title">Metrics</h2>
        <ChartSettingsBar value={settings} onChange={setSettings} />
        {keys.length === 0 ? (
          <p class="muted">No metrics.</p>
        ) : (
          <div class="compare-chart-grid">
            {keys.map((key) => (
              <MetricChart key={key} runs={chartRuns} metricKey={key} settings={settings} syncKey="compare" />
            ))}
          </div>
        )}
      </section>
      <section class="card" aria-labelledby="compare-parallel-title">
        <h2 id="compare-parallel-title">Parallel coordinates</h2>
        <ParallelCoordinates rows={rows} columns={columns} metric={query.get('pc') ?? keys[0]} onMetric={(key) => setQuery({ pc: key })} />
      </section>
      <section class="card" aria-labelledby="compare-scatter-title">
        <h2 id="compare-scatter-title">Scatter</h2>
        <ScatterPlot rows={rows} columns={columns} xId={query.get('sx')} yId={query.get('sy')} onChange={(sx, sy) => setQuery({ sx, sy })} />
      </section>
    </main>
  );
}
