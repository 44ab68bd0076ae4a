import { pyFloatRepr } from './float-repr.js';

/**
 * Python's `json.dumps` output, which MLflow's model files are made of: the signature strings in
 * MLmodel, `input_example.json`, `serving_input_example.json` and the `mlflow.log-model.history`
 * tag. JS cannot tell `1.0` from `1`, so a number is written as a Python int when it is an integer
 * and as a Python float otherwise; wrap it in `PyFloat` (or pass a `PyFloatTree` for a whole
 * subtree) where Python would hold a float.
 */

/** A number that Python holds as a float (`1` is written `1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A subtree whose numbers are all Python floats (an ndarray of a float dtype). */
export class PyFloatTree {
  constructor(readonly value: unknown) {}
}

/** How `json.dumps` writes a float (`allow_nan=True`). */
function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return pyFloatRepr(x);
}

const JSON_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** `json.dumps(s)` with `ensure_ascii=True`: non-ASCII as lowercase `\uXXXX` (UTF-16 units). */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const named = JSON_ESCAPES[c];
    if (named !== undefined) out += named;
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

export interface PyJsonOptions {
  /** `indent=N`: items on their own lines, `,` then newline; none: `, ` and `: ` on one line. */
  indent?: number | undefined;
}

/**
 * `json.dumps(value)` as Python writes it. Objects keep their insertion order (Python dicts do);
 * `undefined` members are skipped; typed arrays are written as lists; bigints as ints.
 */
export function pyJsonDumps(value: unknown, opts: PyJsonOptions = {}): string {
  const indent = opts.indent;
  const write = (v: unknown, floats: boolean, level: number): string => {
    if (v === null || v === undefined) return 'null';
    if (v instanceof PyFloat) return jsonFloat(v.value);
    if (v instanceof PyFloatTree) return write(v.value, true, level);
    switch (typeof v) {
      case 'boolean':
        return v ? 'true' : 'false';
      case 'bigint':
        return v.toString();
      case 'number':
        return floats || !Number.isInteger(v) ? jsonFloat(v) : String(v);
      case 'string':
        return pyJsonString(v);
      default:
        break;
    }
    const items: string[] = [];
    let open: string;
    let close: string;
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      [open, close] = ['[', ']'];
      for (const item of Array.from(v as ArrayLike<unknown>)) items.push(write(item, floats, level + 1));
    } else if (typeof v === 'object') {
      [open, close] = ['{', '}'];
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        if (item === undefined) continue;
        items.push(`${pyJsonString(k)}: ${write(item, floats, level + 1)}`);
      }
    } else {
      throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);
    }
    if (items.length === 0) return open + close;
    if (indent === undefined) return open + items.join(', ') + close;
    const pad = '\n' + ' '.repeat(indent * (level + 1));
    return open + pad + items.join(',' + pad) + '\n' + ' '.repeat(indent * level) + close;
  };
  return write(value, false, 0);
}
