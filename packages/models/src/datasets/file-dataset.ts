import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { InvalidArgumentError, type Dataset } from '@runlog/core';
import type { DatasetOptions } from './array-dataset.js';
import { locationSource } from './dataset-source.js';
import { tableDataset, typedColumn, type Cell, type TableColumn } from './table-dataset.js';

/** Options of the file helpers: the source defaults to the file itself (MLflow's 'local' source). */
export type FileDatasetOptions = DatasetOptions;

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf|infinity|nan)$/i;
const BOOL = /^(true|false)$/i;

/**
 * A dataset of a CSV file with a header row, typed as `pandas.read_csv` types it (integers,
 * floats, True/False, text; an empty cell is missing), with the file as its 'local' source: what
 * Python's `mlflow.data.from_pandas(pd.read_csv(path), source=path)` records, digest included.
 */
export async function datasetFromCsv(path: string, opts: FileDatasetOptions = {}): Promise<Dataset> {
  const text = await readText(path);
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (err) {
    throw new InvalidArgumentError(`${path} is not a CSV file runlog can read: ${(err as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header) throw new InvalidArgumentError(`${path} has no header row.`);
  const columns = header.map((name, i) => csvColumn(name, rows.map((r) => r[i] ?? '')));
  return tableDataset(columns, rows.length, { ...opts, source: opts.source ?? fileSource(path) });
}

/**
 * A dataset of a JSON file holding an array of records (`[{"a": 1, "b": "x"}, ...]`), typed as
 * datasetFromRecords types them, with the file as its 'local' source.
 */
export async function datasetFromJson(path: string, opts: FileDatasetOptions = {}): Promise<Dataset> {
  let data: unknown;
  try {
    data = JSON.parse(await readText(path));
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw err;
    throw new InvalidArgumentError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(data) || !data.every((r) => typeof r === 'object' && r !== null && !Array.isArray(r))) {
    throw new InvalidArgumentError(`${path} must hold a JSON array of records (objects).`);
  }
  const rows = data as Array<Record<string, unknown>>;
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (!seen.has(k)) (seen.add(k), names.push(k));
  const columns = names.map((name) => typedColumn(name, rows.map((r) => jsonCell(r[name]))));
  return tableDataset(columns, rows.length, { ...opts, source: opts.source ?? fileSource(path) });
}

function fileSource(path: string) {
  return locationSource(resolve(path));
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new InvalidArgumentError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function jsonCell(v: unknown): Cell {
  if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** pandas' read_csv typing of one column of raw text cells. */
function csvColumn(name: string, raw: string[]): TableColumn {
  const present = raw.filter((v) => v !== '');
  const missing = present.length < raw.length;
  if (present.length > 0 && !missing && present.every((v) => INT.test(v))) return { name, type: 'long', values: raw.map((v) => Number(v)) };
  if (present.length > 0 && present.every((v) => INT.test(v) || FLOAT.test(v))) {
    return { name, type: 'double', values: raw.map((v) => (v === '' ? null : parseFloatCell(v))) };
  }
  if (present.length > 0 && !missing && present.every((v) => BOOL.test(v))) return { name, type: 'boolean', values: raw.map((v) => v.toLowerCase() === 'true') };
  if (present.length === 0) return { name, type: 'double', values: raw.map(() => null) };
  return { name, type: 'string', values: raw.map((v) => (v === '' ? null : v)) };
}

function parseFloatCell(v: string): number {
  const l = v.toLowerCase().replace(/^\+/, '');
  if (l === 'nan') return NaN;
  if (l === 'inf' || l === 'infinity') return Infinity;
  if (l === '-inf' || l === '-infinity') return -Infinity;
  return Number(v);
}
