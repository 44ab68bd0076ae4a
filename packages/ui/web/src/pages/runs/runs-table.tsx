// The virtualized runs table: only the rows in view (plus a few) are in the DOM, so 10,000+ runs
// scroll without lag; reaching the end of the loaded runs asks the loader for the next page.
// Keyboard: arrows / PageUp / PageDown / Home / End move the active row, Enter opens it (or folds a
// group), Space selects it for comparison.
import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from 'preact/hooks';
import { StatusBadge } from '../../components/status-badge.js';
import { href, navigate } from '../../router.js';
import type { Column } from './columns.js';
import type { SortState } from './view-state.js';
import { groupKey, type TableRow } from './table-rows.js';

export const ROW_HEIGHT = 32;
/** Ask for the next page when the view comes this close to the last loaded row. */
const PREFETCH_ROWS = 150;

export interface RunsTableProps {
  rows: TableRow[];
  columns: Column[];
  sort?: SortState;
  groupBy?: string;
  selected: ReadonlySet<string>;
  hasMore: boolean;
  onSort: (column: string) => void;
  onToggleSelect: (runId: string) => void;
  onToggleAll: () => void;
  onToggleGroup: (key: string) => void;
  onNeedMore: () => void;
}

type Options = VirtualizerOptions<HTMLDivElement, HTMLDivElement>;

function useVirtualizer(count: number, scrollRef: { current: HTMLDivElement | null }) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const options: Options = {
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    scrollToFn: elementScroll,
    observeElementRect,
    observeElementOffset,
    onChange: () => rerender(undefined),
  };
  const [virtualizer] = useState(() => new Virtualizer<HTMLDivElement, HTMLDivElement>(options));
  virtualizer.setOptions(options);
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());
  return virtualizer;
}

function SortMark({ column, sort }: { column: Column; sort?: SortState }) {
  if (!sort || sort.column !== column.id) return null;
  return <span class="sort-mark">{sort.ascending ? '▲' : '▼'}</span>;
}

export function RunsTable(props: RunsTableProps) {
  const { rows, columns } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer(rows.length, scrollRef);
  const [active, setActive] = useState(0);
  const items = virtualizer.getVirtualItems();
  const last = items.length > 0 ? items[items.length - 1]!.index : 0;

  useEffect(() => {
    if (props.hasMore && last >= rows.length - PREFETCH_ROWS) props.onNeedMore();
  });

  const template = `36px ${columns.map((c) => `${c.width}px`).join(' ')}`;
  const width = 36 + columns.reduce((sum, c) => sum + c.width, 0);
  const allSelected = rows.some((r) => r.kind === 'run') && rows.every((r) => r.kind !== 'run' || props.selected.has(r.run.info.run_id));

  const moveTo = (index: number) => {
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 320) / ROW_HEIGHT) - 2);
    const row = rows[active];
    switch (event.key) {
      case 'ArrowDown':
        moveTo(active + 1);
        break;
      case 'ArrowUp':
        moveTo(active - 1);
        break;
      case 'PageDown':
        moveTo(active + page);
        break;
      case 'PageUp':
        moveTo(active - page);
        break;
      case 'Home':
        moveTo(0);
        break;
      case 'End':
        moveTo(rows.length - 1);
        break;
      case 'Enter':
        if (row?.kind === 'run') navigate(href(['runs', row.run.info.run_id]));
        else if (row) props.onToggleGroup(groupKey(row.value));
        break;
      case ' ':
        if (row?.kind === 'run') props.onToggleSelect(row.run.info.run_id);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div
      class="runs-table"
      ref={scrollRef}
      role="grid"
      aria-label="Runs"
      aria-rowcount={rows.length + 1}
      aria-activedescendant={rows.length > 0 ? `run-row-${active}` : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="runs-table"
    >
      <div class="rt-header" role="row" style={{ gridTemplateColumns: template, width: `${width}px` }}>
        <div role="columnheader" class="rt-cell rt-check">
          <input type="checkbox" aria-label="Select all loaded runs" checked={allSelected} onChange={props.onToggleAll} />
        </div>
        {columns.map((c) => (
          <div
            key={c.id}
            role="columnheader"
            class={`rt-cell ${c.numeric ? 'num' : ''}`}
            title={c.title}
            aria-sort={props.sort?.column === c.id ? (props.sort.ascending ? 'ascending' : 'descending') : undefined}
          >
            {c.sortable ? (
              <button type="button" class="rt-sort" data-column={c.id} onClick={() => props.onSort(c.id)}>
                {c.label}
                <SortMark column={c} sort={props.sort} />
              </button>
            ) : (
              <span>{c.label}</span>
            )}
          </div>
        ))}
      </div>
      <div class="rt-body" style={{ height: `${virtualizer.getTotalSize()}px`, width: `${width}px` }}>
        {items.map((item) => {
          const row = rows[item.index]!;
          const style = { transform: `translateY(${item.start}px)`, gridTemplateColumns: template, width: `${width}px` };
          const cls = `rt-row ${item.index === active ? 'active' : ''}`;
          if (row.kind === 'group') {
            const key = groupKey(row.value);
            return (
              <div key={`g${key}`} id={`run-row-${item.index}`} class={`${cls} rt-group`} role="row" style={style}>
                <button type="button" class="rt-group-toggle" aria-expanded={!row.collapsed} onClick={() => props.onToggleGroup(key)}>
                  {row.collapsed ? '▸' : '▾'} {props.groupBy} = {row.value === undefined ? <em>(none)</em> : row.value}
                  <span class="muted"> · {row.count} loaded</span>
                </button>
              </div>
            );
          }
          const run = row.run;
          const id = run.info.run_id;
          return (
            <div
              key={id}
              id={`run-row-${item.index}`}
              class={`${cls} ${props.selected.has(id) ? 'selected' : ''}`}
              role="row"
              aria-selected={props.selected.has(id)}
              data-run-id={id}
              style={style}
              onClick={() => setActive(item.index)}
            >
              <div role="gridcell" class="rt-cell rt-check">
                <input
                  type="checkbox"
                  tabIndex={-1}
                  aria-label={`Select ${run.info.run_name ?? id}`}
                  checked={props.selected.has(id)}
                  onChange={() => props.onToggleSelect(id)}
                />
              </div>
              {columns.map((c) => (
                <div key={c.id} role="gridcell" class={`rt-cell ${c.numeric ? 'num' : ''}`} title={c.text(run)}>
                  {c.id === 'attributes.run_name' ? (
                    <a href={href(['runs', id])} tabIndex={-1}>
                      {c.text(run)}
                    </a>
                  ) : c.id === 'attributes.status' ? (
                    <StatusBadge status={run.info.status} />
                  ) : (
                    c.text(run)
                  )}
                </div>
              ))}
            </div>
          );
        })}
      </div>
    </div>
  );
}
