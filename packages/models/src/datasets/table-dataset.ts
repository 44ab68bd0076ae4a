import { createHash } from 'node:crypto';
import { InvalidArgumentError, type Dataset } from '@runlog/core';
import { pyJsonDumps } from '@runlog/core/internal';
import { MAX_HASHED_ELEMENTS, type DatasetOptions } from './array-dataset.js';
import { resolveSource } from './dataset-source.js';
import { combineRowHashes, int64Bytes, numberHash, stringHash, uint64Bytes } from './pandas-hash.js';

/** A cell of a table: null (or undefined) is a missing value. */
export type Cell = string | number | boolean | null | undefined;

/** A column with the type pandas would give it: long (int64), double (float64), boolean, string. */
export interface TableColumn {
  name: string;
  type: 'long' | 'double' | 'boolean' | 'string';
  values: Cell[];
}

/**
 * A dataset of records (MLflow's `mlflow.data.from_pandas`): rows as objects with the same keys.
 * Column types follow pandas: integers → long, other numbers → double, booleans → boolean, text →
 * string; a number column with missing values is double. Its digest is the one Python computes
 * for the equivalent DataFrame (number and text columns hashed); its schema is MLflow's column
 * spec and its profile `num_rows` and `num_elements`.
 */
export function datasetFromRecords(rows: ReadonlyArray<Record<string, Cell>>, opts: DatasetOptions = {}): Dataset {
  if (!Array.isArray(rows)) throw new InvalidArgumentError('datasetFromRecords takes an array of objects.');
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null || Array.isArray(row)) throw new InvalidArgumentError('datasetFromRecords: every row must be an object.');
    for (const k of Object.keys(row)) if (!seen.has(k)) (seen.add(k), names.push(k));
  }
  return tableDataset(names.map((name) => typedColumn(name, rows.map((r) => r[name]))), rows.length, opts);
}

/** A column typed from its values as pandas would type it. */
export function typedColumn(name: string, values: Cell[]): TableColumn {
  const present = values.filter((v) => v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v)));
  let type: TableColumn['type'];
  if (present.length > 0 && present.every((v) => typeof v === 'boolean') && present.length === values.length) type = 'boolean';
  else if (present.every((v) => typeof v === 'number')) {
    type = present.length === values.length && present.every((v) => Number.isInteger(v)) && present.length > 0 ? 'long' : 'double';
  } else type = 'string';
  const cells = type === 'string' ? values.map((v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : String(v))) : values;
  return { name, type, values: cells };
}

/** The entity of a table of typed columns with `rows` rows. */
export function tableDataset(columns: TableColumn[], rows: number, opts: DatasetOptions): Dataset {
  const src = resolveSource(opts.source);
  const colspec = columns.map((c) => ({ type: c.type, name: c.name, required: !c.values.some(isMissing) }));
  return {
    name: opts.name ?? 'dataset',
    digest: opts.digest ?? tableDigest(columns, rows),
    sourceType: src.sourceType,
    source: src.source,
    schema: pyJsonDumps({ mlflow_colspec: colspec }),
    profile: pyJsonDumps({ num_rows: rows, num_elements: rows * columns.length }),
  };
}

const isMissing = (v: Cell): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v));

/**
 * MLflow's pandas digest: the row hashes of the first 10,000 rows over the text columns without
 * missing values and the number columns (booleans are left out, as pandas' number selection
 * does), the row count, and every column name.
 */
export function tableDigest(columns: TableColumn[], rows: number): string {
  const textCols = columns.filter((c) => c.type === 'string' && !c.values.some(isMissing));
  const numberCols = columns.filter((c) => c.type === 'long' || c.type === 'double');
  const hashed = unionOrder(textCols, numberCols);
  const n = Math.min(rows, MAX_HASHED_ELEMENTS);
  const hashes = hashed.map((c) => {
    const out: bigint[] = new Array<bigint>(n);
    for (let r = 0; r < n; r++) {
      const v = c.values[r];
      out[r] = c.type === 'string' ? stringHash(v as string) : numberHash(isMissing(v) ? NaN : (v as number), c.type === 'long' ? 'int64' : 'float64');
    }
    return out;
  });
  // The row index (0, 1, 2, ...) is hashed as a last column.
  hashes.push(Array.from({ length: n }, (_, r) => numberHash(r, 'int64')));
  const md5 = createHash('md5');
  md5.update(uint64Bytes(combineRowHashes(hashes, n)));
  md5.update(int64Bytes(rows));
  for (const c of columns) md5.update(c.name, 'utf8');
  return md5.digest('hex').slice(0, 8);
}

/** pandas' `Index.union`: sorted names, except when one side is empty (the other's order) or both are the same. */
function unionOrder(a: TableColumn[], b: TableColumn[]): TableColumn[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return [...a, ...b].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
}
