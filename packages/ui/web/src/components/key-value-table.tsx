// A two-column table of keys and values (params, tags, dataset fields) with a filter box once it
// is long enough to need one.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

export interface Row {
  key: string;
  value: ComponentChildren;
  /** The text the filter box matches against (defaults to the value when it is a string). */
  text?: string;
  actions?: ComponentChildren;
}

export function KeyValueTable({ rows, label, empty = 'None.' }: { rows: Row[]; label: string; empty?: string }) {
  const [filter, setFilter] = useState('');
  if (rows.length === 0) return <p class="muted">{empty}</p>;
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? rows.filter((r) => r.key.toLowerCase().includes(needle) || (r.text ?? String(r.value)).toLowerCase().includes(needle))
    : rows;
  return (
    <div class="kv">
      {rows.length > 12 ? (
        <input
          class="kv-filter"
          type="search"
          placeholder={`Filter ${rows.length} ${label.toLowerCase()}…`}
          aria-label={`Filter ${label.toLowerCase()}`}
          value={filter}
          onInput={(e) => setFilter((e.target as HTMLInputElement).value)}
        />
      ) : null}
      <table class="kv-table" aria-label={label}>
        <tbody>
          {shown.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.key}</th>
              <td>{r.value}</td>
              {r.actions !== undefined ? <td class="kv-actions">{r.actions}</td> : null}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
