// The runs table's state — filter, sort, chosen columns, group-by param — lives in the URL query of
// `#/experiments/<id>`, so a view is a link and the back button undoes a change. The column choice is
// also remembered per experiment in localStorage, for when the URL names none.
//
// Column ids: `attributes.<name>`, `params.<key>`, `metrics.<key>`, `tags.<key>`.

export interface SortState {
  column: string;
  ascending: boolean;
}

export interface RunsViewState {
  filter: string;
  sort?: SortState;
  columns: string[];
  /** A param key whose values group the rows. */
  groupBy?: string;
}

const STORAGE_PREFIX = 'runlog.columns.';

/** The columns shown before the user chooses any: the built-in attributes plus none of the keys. */
export const DEFAULT_COLUMNS: readonly string[] = [];

/** The view a URL query describes (columns fall back to the experiment's remembered choice). */
export function readViewState(experimentId: string, query: URLSearchParams): RunsViewState {
  const sortText = query.get('sort');
  let sort: SortState | undefined;
  if (sortText) {
    const i = sortText.lastIndexOf(':');
    const column = i === -1 ? sortText : sortText.slice(0, i);
    sort = { column, ascending: i !== -1 && sortText.slice(i + 1) === 'asc' };
  }
  const columnsText = query.get('cols');
  const columns =
    columnsText !== null ? splitColumns(columnsText) : (rememberedColumns(experimentId) ?? [...DEFAULT_COLUMNS]);
  return {
    filter: query.get('filter') ?? '',
    sort,
    columns,
    groupBy: query.get('group') || undefined,
  };
}

/** The URL query values for a view (undefined drops a key). */
export function viewStateQuery(state: RunsViewState): Record<string, string | undefined> {
  return {
    filter: state.filter || undefined,
    sort: state.sort ? `${state.sort.column}:${state.sort.ascending ? 'asc' : 'desc'}` : undefined,
    cols: state.columns.length > 0 ? state.columns.map((c) => c.replace(/[|]/g, '')).join('|') : '',
    group: state.groupBy,
  };
}

function splitColumns(text: string): string[] {
  return text.split('|').filter(Boolean);
}

export function rememberColumns(experimentId: string, columns: string[]): void {
  try {
    localStorage.setItem(STORAGE_PREFIX + experimentId, JSON.stringify(columns));
  } catch {
    // storage full or disabled: the URL still holds the choice
  }
}

function rememberedColumns(experimentId: string): string[] | undefined {
  try {
    const text = localStorage.getItem(STORAGE_PREFIX + experimentId);
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    return Array.isArray(parsed) ? parsed.filter((c): c is string => typeof c === 'string') : undefined;
  } catch {
    return undefined;
  }
}

/** An identifier in MLflow's search syntax, backquoted when the key is not a plain word. */
export function searchIdentifier(column: string): string {
  const dot = column.indexOf('.');
  const entity = column.slice(0, dot);
  const key = column.slice(dot + 1);
  if (entity === 'attributes') return `attributes.${key}`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${entity}.${key}` : `${entity}.\`${key.replace(/`/g, '')}\``;
}

/** The server-side `order_by` for a view: the group-by param first (so groups arrive contiguous
 *  across pages), then the chosen sort. Without either, the server's default (newest first). */
export function orderByFor(state: RunsViewState): string[] {
  const clauses: string[] = [];
  if (state.groupBy) clauses.push(`${searchIdentifier(`params.${state.groupBy}`)} ASC`);
  if (state.sort) clauses.push(`${searchIdentifier(state.sort.column)} ${state.sort.ascending ? 'ASC' : 'DESC'}`);
  return clauses;
}
