// A run's page, at `#/runs/<id>?tab=…`: the overview (with description, params, metrics, tags and
// datasets), system metrics, artifacts and logged models. While the run is RUNNING the page re-reads
// it every ~2 s (see live.ts), so its values grow without a reload.
import { getRun } from '../../api/tracking.js';
import { ErrorBox, Loading } from '../../components/error-box.js';
import { KeyValueTable } from '../../components/key-value-table.js';
import { useAsync } from '../../components/use-async.js';
import { usePolling } from '../../live.js';
import { href, withQueryChanges } from '../../router.js';
import { ArtifactBrowser } from './artifact-browser.js';
import { Datasets } from './datasets.js';
import { LoggedModels } from './logged-models.js';
import { RunDescription } from './run-description.js';
import { RunHeader } from './run-header.js';
import { RunMetrics } from './run-metrics.js';
import { RunOverview } from './run-overview.js';
import { SystemMetrics } from './system-metrics.js';
import { TagsEditor } from './tags-editor.js';

const TABS = [
  ['overview', 'Overview'],
  ['system', 'System metrics'],
  ['artifacts', 'Artifacts'],
  ['models', 'Models'],
] as const;

export function RunPage({ runId, query }: { runId: string; query: URLSearchParams }) {
  const run = useAsync(() => getRun(runId), [runId]);
  const tab = query.get('tab') ?? 'overview';
  const live = run.data?.info.status === 'RUNNING';
  usePolling(live, run.reload);

  if (run.error && !run.data) {
    return (
      <main class="page">
        <ErrorBox error={run.error} title={`Run ${runId}`} />
      </main>
    );
  }
  if (!run.data) {
    return (
      <main class="page">
        <Loading what="run" />
      </main>
    );
  }
  const data = run.data;
  const params = [...(data.data.params ?? [])].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <main class="page" data-run-status={data.info.status}>
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Experiments</a> / <a href={href(['experiments', data.info.experiment_id])}>{data.info.experiment_id}</a> /{' '}
        <span>{data.info.run_name ?? runId}</span>
        {live ? <span class="badge badge-live" title="Refreshing every 2 s while the run is running">live</span> : null}
      </nav>
      <RunHeader run={data} onChanged={run.reload} />
      <div class="tabs" role="tablist" aria-label="Run sections">
        {TABS.map(([id, label]) => (
          <a key={id} role="tab" aria-selected={tab === id} href={withQueryChanges({ tab: id === 'overview' ? undefined : id, path: undefined })}>
            {label}
          </a>
        ))}
      </div>
      {tab === 'overview' ? (
        <div class="run-grid">
          <section class="card" aria-labelledby="overview-title">
            <h2 id="overview-title">Overview</h2>
            <RunOverview run={data} />
          </section>
          <RunDescription run={data} onChanged={run.reload} />
          <section class="card" aria-labelledby="params-title">
            <h2 id="params-title">Params ({params.length})</h2>
            <KeyValueTable label="Params" empty="No params." rows={params.map((p) => ({ key: p.key, value: p.value }))} />
          </section>
          <TagsEditor run={data} onChanged={run.reload} />
          <Datasets run={data} />
        </div>
      ) : null}
      {tab === 'overview' ? (
        <RunMetrics run={data} />
      ) : null}
      {tab === 'system' ? <SystemMetrics run={data} /> : null}
      {tab === 'artifacts' ? <ArtifactBrowser runId={runId} path={query.get('path') ?? undefined} /> : null}
      {tab === 'models' ? <LoggedModels run={data} /> : null}
    </main>
  );
}
