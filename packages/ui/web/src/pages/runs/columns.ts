// What each runs-table column shows and whether the server can sort by it.
import type { Run } from '../../api/types.js';
import { formatDuration, formatTime, formatValue, runDuration } from '../../components/format.js';

export interface Column {
  id: string;
  label: string;
  /** What the header's tooltip says (the full key). */
  title: string;
  sortable: boolean;
  width: number;
  numeric: boolean;
  text: (run: Run) => string;
}

/** The attribute columns every table shows, before the chosen keys. */
export const BUILTIN_COLUMNS: readonly Column[] = [
  {
    id: 'attributes.run_name',
    label: 'Run',
    title: 'Run name',
    sortable: true,
    width: 220,
    numeric: false,
    text: (run) => run.info.run_name || run.info.run_id.slice(0, 8),
  },
  {
    id: 'attributes.status',
    label: 'Status',
    title: 'Status',
    sortable: true,
    width: 96,
    numeric: false,
    text: (run) => run.info.status.toLowerCase(),
  },
  {
    id: 'attributes.start_time',
    label: 'Started',
    title: 'Start time',
    sortable: true,
    width: 160,
    numeric: false,
    text: (run) => formatTime(run.info.start_time),
  },
  {
    id: 'duration',
    label: 'Duration',
    title: 'Duration (not sortable on the server)',
    sortable: false,
    width: 90,
    numeric: true,
    text: (run) => formatDuration(runDuration(run.info)),
  },
  {
    id: 'attributes.user_id',
    label: 'User',
    title: 'User',
    sortable: true,
    width: 100,
    numeric: false,
    text: (run) => run.info.user_id ?? '',
  },
];

/** A column for a `params.`, `metrics.` or `tags.` id. */
export function keyColumn(id: string): Column {
  const dot = id.indexOf('.');
  const entity = id.slice(0, dot);
  const key = id.slice(dot + 1);
  const prefix = entity === 'metrics' ? '' : entity === 'params' ? '' : '#';
  const find = (list: { key: string; value: unknown }[] | undefined) => list?.find((x) => x.key === key)?.value;
  return {
    id,
    label: `${prefix}${key}`,
    title: `${entity}.${key}`,
    sortable: true,
    width: entity === 'metrics' ? 110 : 130,
    numeric: entity === 'metrics',
    text:
      entity === 'metrics'
        ? (run) => formatValue(find(run.data.metrics) as number | undefined)
        : entity === 'params'
          ? (run) => String(find(run.data.params) ?? '')
          : (run) => String(find(run.data.tags) ?? ''),
  };
}

export function columnsFor(chosen: readonly string[]): Column[] {
  return [...BUILTIN_COLUMNS, ...chosen.filter((id) => /^(params|metrics|tags)\./.test(id)).map(keyColumn)];
}

/** A run's value of a param (for grouping). */
export function paramValue(run: Run, key: string): string | undefined {
  return run.data.params?.find((p) => p.key === key)?.value;
}
