// The rows the table draws: runs, and — when grouped by a param — a header row before each group.
// Runs arrive ordered by the group param first (see orderByFor), so a group is a contiguous stretch.
import type { Run } from '../../api/types.js';
import { paramValue } from './columns.js';

export type TableRow =
  | { kind: 'run'; run: Run }
  | { kind: 'group'; value: string | undefined; count: number; collapsed: boolean };

export function tableRows(runs: Run[], groupBy: string | undefined, collapsed: ReadonlySet<string>): TableRow[] {
  if (!groupBy) return runs.map((run) => ({ kind: 'run', run }));
  const rows: TableRow[] = [];
  let header: Extract<TableRow, { kind: 'group' }> | undefined;
  for (const run of runs) {
    const value = paramValue(run, groupBy);
    if (!header || header.value !== value) {
      header = { kind: 'group', value, count: 0, collapsed: collapsed.has(groupKey(value)) };
      rows.push(header);
    }
    header.count++;
    if (!header.collapsed) rows.push({ kind: 'run', run });
  }
  return rows;
}

/** A group's key in the collapsed set (runs without the param form their own group). */
export function groupKey(value: string | undefined): string {
  return value === undefined ? '\u0000none' : `=${value}`;
}
