// The column chooser: every param, metric and tag key of the experiment's runs (from the server's
// experiment-keys route), with a search box; checking a key adds its column.
import { useState } from 'preact/hooks';
import type { ExperimentKeys } from '../../api/types.js';

export function ColumnChooser({
  keys,
  chosen,
  onChange,
}: {
  keys: ExperimentKeys | undefined;
  chosen: readonly string[];
  onChange: (columns: string[]) => void;
}) {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const toggle = (id: string) =>
    onChange(chosen.includes(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const section = (entity: 'params' | 'metrics' | 'tags', label: string, list: string[]) => {
    const shown = list.filter((k) => !needle || k.toLowerCase().includes(needle));
    return (
      <fieldset class="chooser-section">
        <legend>
          {label} <span class="muted">({list.length})</span>
        </legend>
        {shown.length === 0 ? <p class="muted">None.</p> : null}
        {shown.map((key) => {
          const id = `${entity}.${key}`;
          return (
            <label key={id} class="chooser-item">
              <input type="checkbox" checked={chosen.includes(id)} onChange={() => toggle(id)} data-column={id} />
              {key}
            </label>
          );
        })}
      </fieldset>
    );
  };
  return (
    <details class="column-chooser">
      <summary>Columns ({chosen.length})</summary>
      <div class="chooser-panel">
        <div class="chooser-tools">
          <input
            type="search"
            placeholder="Search keys…"
            aria-label="Search column keys"
            value={search}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)}
          />
          <button type="button" onClick={() => onChange([])} disabled={chosen.length === 0}>
            Clear
          </button>
        </div>
        {keys ? (
          <div class="chooser-sections">
            {section('metrics', 'Metrics', keys.metrics.filter((k) => !k.startsWith('system/')))}
            {section('params', 'Params', keys.params)}
            {section('tags', 'Tags', keys.tags.filter((k) => !k.startsWith('mlflow.')))}
          </div>
        ) : (
          <p class="muted">Loading keys…</p>
        )}
      </div>
    </details>
  );
}
