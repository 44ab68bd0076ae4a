/**
 * Python's float text: `repr(float)` (equal to `str(float)` in Python 3) and `float()` / `int()`
 * parsing of the texts MLflow writes. The FileStore's metric lines, MLmodel's YAML floats and the
 * JSON of model files are all made of this text.
 */

/**
 * `repr(float)`: the shortest digits that round-trip (the same digits as JavaScript's
 * Number#toString), in fixed notation when the decimal exponent is in [-4, 16), otherwise as
 * `d.ddde±XX`; integral values keep a `.0`. Examples: `1.0`, `0.5`, `1e-05`, `1e+16`,
 * `123456789012345.0`, `nan`, `inf`, `-inf`, `-0.0`.
 */
export function pyFloatRepr(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  // Fast path: in [1e-4, 1e16) both languages print the shortest round-trip digits in fixed
  // notation (JavaScript switches to exponents only from 1e21); Python adds '.0' to integers.
  const abs = v < 0 ? -v : v;
  if (abs >= 1e-4 && abs < 1e16) {
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const sign = v < 0 ? '-' : '';
  const [mantissa = '', expText = '0'] = abs.toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
  return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
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
