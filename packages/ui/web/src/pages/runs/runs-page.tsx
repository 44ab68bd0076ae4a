// An experiment's runs: the filter box (MLflow's syntax, the server's 400 message shown inline), the
// column chooser, group-by, selection for comparison, and the virtualized, server-paged table.
// Every choice is written to the URL (see view-state.ts).
import { useSignal } from '@preact/signals';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getExperiment, getExperimentKeys } from '../../api/tracking.js';
import type { ExperimentKeys, Run } from '../../api/types.js';
import { ErrorBox } from '../../components/error-box.js';
import { useAsync } from '../../components/use-async.js';
import { href, navigate } from '../../router.js';
import { ColumnChooser } from './column-chooser.js';
import { columnsFor } from './columns.js';
import { RunsLoader } from './runs-loader.js';
import { RunsTable } from './runs-table.js';
import { tableRows } from './table-rows.js';
import { orderByFor, readViewState, rememberColumns, viewStateQuery, type RunsViewState } from './view-state.js';

/** Keys seen in the loaded runs: the chooser's fallback when the server has no experiment-keys route. */
function keysOfRuns(runs: Run[]): ExperimentKeys {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const tags = new Set<string>();
  for (const run of runs.slice(0, 2000)) {
    for (const p of run.data.params ?? []) params.add(p.key);
    for (const m of run.data.metrics ?? []) metrics.add(m.key);
    for (const t of run.data.tags ?? []) tags.add(t.key);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { params: sorted(params), metrics: sorted(metrics), tags: sorted(tags) };
}

export function RunsPage({ experimentId, query }: { experimentId: string; query: URLSearchParams }) {
  const view = readViewState(experimentId, query);
  const experiment = useAsync(() => getExperiment(experimentId), [experimentId]);
  const keys = useAsync(() => getExperimentKeys([experimentId]), [experimentId]);
  const orderKey = orderByFor(view).join('\n');
  const loader = useMemo(
    () => new RunsLoader([experimentId], view.filter, orderByFor(view)),
    // a new loader when the query the server sees changes, not on column or selection changes
    [experimentId, view.filter, orderKey],
  );
  useEffect(() => {
    loader.loadMore();
    return () => loader.dispose();
  }, [loader]);

  const selected = useSignal<ReadonlySet<string>>(new Set());
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const [filterText, setFilterText] = useState(view.filter);
  useEffect(() => setFilterText(view.filter), [view.filter]);
  const filterRef = useRef<HTMLInputElement>(null);

  // `/` focuses the filter box from anywhere on the page but a text field.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.isContentEditable);
      if (event.key === '/' && !typing) {
        event.preventDefault();
        filterRef.current?.focus();
        filterRef.current?.select();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const update = (changes: Partial<RunsViewState>, replace = false) => {
    const next = { ...view, ...changes };
    if (changes.columns) rememberColumns(experimentId, changes.columns);
    navigate(href(['experiments', experimentId], viewStateQuery(next)), { replace });
  };
  const onSort = (column: string) => {
    const ascending = view.sort?.column === column ? !view.sort.ascending : column.startsWith('metrics.') ? false : true;
    update({ sort: { column, ascending } });
  };

  const runs = loader.runs.value;
  const rows = useMemo(() => tableRows(runs, view.groupBy, collapsed), [runs, view.groupBy, collapsed]);
  const columns = columnsFor(view.columns);
  const chooserKeys = keys.data ?? (keys.error ? keysOfRuns(runs) : undefined);
  const error = loader.error.value;
  const selection = [...selected.value];

  const toggleSelect = (id: string) => {
    const next = new Set(selected.value);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    selected.value = next;
  };

  return (
    <main class="page page-wide">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/">Experiments</a> / <span>{experiment.data?.name ?? experimentId}</span>
      </nav>
      <h1>{experiment.data?.name ?? `Experiment ${experimentId}`}</h1>
      <form
        class="runs-toolbar"
        onSubmit={(event) => {
          event.preventDefault();
          update({ filter: filterText.trim() });
        }}
      >
        <input
          ref={filterRef}
          class="filter-box"
          type="search"
          name="filter"
          placeholder={"Filter runs: metrics.loss < 0.5 and params.lr = '0.01'   (press / to focus)"}
          aria-label="Filter runs (MLflow search syntax)"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'filter-error' : undefined}
          value={filterText}
          onInput={(e) => setFilterText((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Search</button>
        <ColumnChooser keys={chooserKeys} chosen={view.columns} onChange={(columns) => update({ columns })} />
        <label class="group-by">
          Group by{' '}
          <select
            aria-label="Group by param"
            value={view.groupBy ?? ''}
            onChange={(e) => update({ groupBy: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">(none)</option>
            {(chooserKeys?.params ?? []).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <a
          class={`button ${selection.length >= 2 ? '' : 'disabled'}`}
          role="button"
          aria-disabled={selection.length < 2}
          href={selection.length >= 2 ? href(['compare'], { runs: selection.slice(0, 20).join(',') }) : undefined}
          title={selection.length < 2 ? 'Select 2–20 runs to compare' : undefined}
          data-testid="compare-button"
        >
          Compare{selection.length > 0 ? ` (${selection.length})` : ''}
        </a>
      </form>
      {error ? (
        <div id="filter-error">
          <ErrorBox error={error} title={error.name === 'ApiError' ? 'Search failed' : undefined} />
        </div>
      ) : null}
      <p class="runs-count muted" aria-live="polite" data-testid="runs-count">
        {runs.length} run{runs.length === 1 ? '' : 's'}
        {loader.complete.value || error ? '' : loader.loading.value ? ' · loading more…' : ' loaded · more on scroll'}
      </p>
      <RunsTable
        rows={rows}
        columns={columns}
        sort={view.sort}
        groupBy={view.groupBy}
        selected={selected.value}
        hasMore={!loader.complete.value && !error}
        onSort={onSort}
        onToggleSelect={toggleSelect}
        onToggleAll={() => {
          const all = runs.map((r) => r.info.run_id);
          selected.value = all.every((id) => selected.value.has(id)) ? new Set() : new Set(all);
        }}
        onToggleGroup={(key) => {
          const next = new Set(collapsed);
          if (next.has(key)) next.delete(key);
          else next.add(key);
          setCollapsed(next);
        }}
        onNeedMore={() => loader.loadMore()}
      />
    </main>
  );
}
