import { InvalidArgumentError } from '@runlog/core';

/**
 * A table in pandas' "split" orientation, the JSON MLflow writes for `log_table` and reads with
 * `pd.read_json(…, orient="split")`: `{"columns": [...], "data": [[row], ...]}`.
 */
export interface TableJson {
  columns: string[];
  data: unknown[][];
}

/**
 * What logTable accepts: columns (`{ a: [1, 2], b: ['x', 'y'] }`), one row of scalars
 * (`{ question: 'q', answer: 'a' }`, as MLflow turns a dict of scalars into one row), rows
 * (`[{ a: 1, b: 'x' }, …]`, columns in first-seen order, missing cells null), or a split table.
 */
export type TableInput = Record<string, unknown> | Array<Record<string, unknown>> | TableJson;

function isSplit(x: unknown): x is TableJson {
  return typeof x === 'object' && x !== null && Array.isArray((x as TableJson).columns) && Array.isArray((x as TableJson).data) && Object.keys(x).every((k) => k === 'columns' || k === 'data' || k === 'index');
}

export function toTableJson(input: TableInput): TableJson {
  if (isSplit(input)) {
    for (const row of input.data) {
      if (!Array.isArray(row) || row.length !== input.columns.length) {
        throw new InvalidArgumentError(`logTable: every row must have ${input.columns.length} values, one per column.`);
      }
    }
    return { columns: input.columns.map(String), data: input.data.map((r) => r.map(cell)) };
  }
  if (Array.isArray(input)) {
    const columns: string[] = [];
    const seen = new Set<string>();
    for (const row of input) {
      if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new InvalidArgumentError('logTable: rows must be objects of column → value.');
      for (const k of Object.keys(row)) if (!seen.has(k)) seen.add(k), columns.push(k);
    }
    return { columns, data: input.map((row) => columns.map((c) => cell(row[c]))) };
  }
  if (typeof input !== 'object' || input === null) throw new InvalidArgumentError('logTable: data must be an object of columns, an array of rows, or { columns, data }.');
  const columns = Object.keys(input);
  const values = Object.values(input);
  if (values.length > 0 && values.every((v) => !Array.isArray(v) && !ArrayBuffer.isView(v))) {
    return { columns, data: [values.map(cell)] };
  }
  const cols = values.map((v) => (Array.isArray(v) ? v : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : undefined));
  const n = cols[0]?.length ?? 0;
  cols.forEach((c, i) => {
    if (!c || c.length !== n) throw new InvalidArgumentError(`logTable: column '${columns[i]}' must be an array of ${n} values, like the others.`);
  });
  const data: unknown[][] = [];
  for (let r = 0; r < n; r++) data.push(cols.map((c) => cell(c![r])));
  return { columns, data };
}

/** One cell as pandas writes it: NaN/±Infinity and undefined → null, dates → ISO strings. */
function cell(v: unknown): unknown {
  if (v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return v;
}

/** Rows of `b` appended under `a`, columns aligned by name (new columns added; missing cells null), as pandas.concat. */
export function concatTables(a: TableJson, b: TableJson): TableJson {
  const columns = [...a.columns];
  for (const c of b.columns) if (!columns.includes(c)) columns.push(c);
  const reorder = (t: TableJson) => {
    const idx = columns.map((c) => t.columns.indexOf(c));
    return t.data.map((row) => idx.map((i) => (i < 0 ? null : row[i])));
  };
  return { columns, data: [...reorder(a), ...reorder(b)] };
}
