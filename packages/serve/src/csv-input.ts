import { parse } from 'csv-parse/sync';
import type { ColSpec } from '@runlog/models';
import { badRequest, ScoringError } from './scoring-error.js';
import { dataFrameInput, type ParsedRequest } from './request-input.js';
import type { ServedModel } from './served-model.js';

/**
 * `text/csv` bodies, read as MLflow reads them with `pandas.read_csv`: the first line names the
 * columns, each cell is converted to its column's signature type (integer/long cells must be
 * whole numbers, float/double cells numbers, an empty float cell is NaN, booleans True/False),
 * and columns the signature does not declare are dropped. Models without a signature get numbers
 * where every cell of a column is numeric. CSV carries no params.
 *
 * Tensor-signature models refuse CSV (400), as MLflow 3.18's server does for them.
 */

const INT_CELL = /^\s*[+-]?\d+\s*$/;
const TRUE_CELLS = new Set(['true', 'True', 'TRUE']);
const FALSE_CELLS = new Set(['false', 'False', 'FALSE']);

function csvError(why: string): ScoringError {
  return badRequest(`Failed to parse input as a CSV table (the format pandas.DataFrame.to_csv() writes, with a header line). Error: ${why}`);
}

function toFloat(cell: string, column: string): number {
  const t = cell.trim();
  if (t === '' || t === 'nan' || t === 'NaN') return Number.NaN;
  if (t === 'inf' || t === 'Infinity') return Number.POSITIVE_INFINITY;
  if (t === '-inf' || t === '-Infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(t);
  if (Number.isNaN(n)) throw csvError(`could not convert '${cell}' in column '${column}' to a number`);
  return n;
}

function convertCell(cell: string, spec: ColSpec | undefined, column: string): unknown {
  switch (spec?.type) {
    case 'integer':
    case 'long':
      if (!INT_CELL.test(cell)) throw csvError(`'${cell}' in column '${column}' is not a whole number (the column is ${spec.type})`);
      return Number(cell);
    case 'float':
    case 'double':
      return toFloat(cell, column);
    case 'boolean':
      if (TRUE_CELLS.has(cell.trim())) return true;
      if (FALSE_CELLS.has(cell.trim())) return false;
      throw csvError(`'${cell}' in column '${column}' is not a boolean`);
    default:
      return cell;
  }
}

export function parseCsvBody(text: string, served: ServedModel): ParsedRequest {
  if (served.kind === 'tensor') {
    throw badRequest(
      "text/csv input is for models with a column-based signature; this model's signature is tensor-based. " +
        "Send application/json with 'inputs', 'instances' or 'dataframe_split' instead.",
    );
  }
  let table: string[][];
  try {
    table = parse(text, { bom: true, skip_empty_lines: true });
  } catch (err) {
    throw csvError((err as Error).message);
  }
  if (table.length === 0 || table[0]!.length === 0) throw csvError('no columns to parse');
  const header = table[0]!;
  const body = table.slice(1);
  let rows: unknown[][];
  if (served.kind === 'column') {
    const specs = header.map((h) => served.columns.get(h));
    rows = body.map((r) => r.map((cell, i) => (specs[i] ? convertCell(cell, specs[i], header[i]!) : cell)));
  } else {
    const numeric = header.map((_, i) => body.every((r) => r[i]!.trim() !== '' && !Number.isNaN(Number(r[i]))));
    rows = body.map((r) => r.map((cell, i) => (numeric[i] ? Number(cell) : cell)));
  }
  return { input: dataFrameInput({ columns: header, rows }, served), params: undefined, dataframe: true };
}
