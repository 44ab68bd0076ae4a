import type { Metric } from '../entities.js';

/**
 * Python's `str(float)` / `repr(float)`: the shortest digits that round-trip (the same digits as
 * JavaScript's Number#toString), written in fixed notation when the decimal exponent is in
 * [-4, 16), otherwise as `d.ddde±XX`; integral values keep a `.0`. Examples: `1.0`, `0.5`,
 * `1e-05`, `1e+16`, `123456789012345.0`, `nan`, `inf`, `-inf`, `-0.0`.
 */
export function pythonFloatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  // Fast path: in [1e-4, 1e16) both languages print the shortest round-trip digits in fixed
  // notation; Python adds '.0' to integral values.
  const abs = v < 0 ? -v : v;
  if (abs >= 1e-4 && abs < 1e16) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const sign = v < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = Math.abs(v).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${'0'.repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

const DIGITS = String.raw`\d(?:_?\d)*`;
const FLOAT_TEXT = new RegExp(String.raw`^[+-]?(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:[eE][+-]?${DIGITS})?$`);
const SPECIAL_FLOAT = /^([+-]?)(nan|inf|infinity)$/i;

/** Python's `float(text)` for the texts Python writes and accepts; undefined when Python would raise. */
export function parsePythonFloat(text: string): number | undefined {
  const t = text.trim();
  const special = SPECIAL_FLOAT.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  return FLOAT_TEXT.test(t) ? Number(t.replace(/_/g, '')) : undefined;
}

/** Python's `int(text)` for decimal text (sign, digits, underscores); undefined when not an integer. */
export function parsePythonInt(text: string): number | undefined {
  const t = text.trim();
  if (!/^[+-]?\d(?:_?\d)*$/.test(t)) return undefined;
  return Number(t.replace(/_/g, ''));
}

/** One line of a FileStore metric file: `<timestamp_ms> <python float> <step>\n`. */
export function formatMetricLine(m: Pick<Metric, 'value' | 'timestamp' | 'step'>): string {
  return `${m.timestamp} ${pythonFloatRepr(m.value)} ${m.step}\n`;
}

/**
 * Parses one metric line as MLflow's FileStore does: fields split on single spaces after
 * stripping; 2 fields (step 0), 3 fields, or 5 (with dataset name and digest). Returns the reason
 * when the line is malformed.
 */
export function parseMetricLine(line: string): { timestamp: number; value: number; step: number } | string {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) {
    return `it has ${parts.length} field(s); expected 2, 3 or 5`;
  }
  const timestamp = parsePythonInt(parts[0]!);
  const value = parsePythonFloat(parts[1]!);
  // MLflow 3.18 reads step 0 from 5-field lines (a quirk); the stored step is the better answer.
  const step = parts.length >= 3 ? parsePythonInt(parts[2]!) : 0;
  if (timestamp === undefined) return `bad timestamp ${JSON.stringify(parts[0])}`;
  if (value === undefined) return `bad value ${JSON.stringify(parts[1])}`;
  if (step === undefined) return `bad step ${JSON.stringify(parts[2])}`;
  return { timestamp, value, step };
}
