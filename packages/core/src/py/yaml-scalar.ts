import { pyFloatRepr } from './float-repr.js';
import { PyFloat } from './json-dumps.js';
import type { PyYamlValue } from './yaml-load.js';
import { resolvePlain } from './yaml-resolver.js';

/**
 * The scalar half of the YAML emitter: SafeRepresenter's text for numbers, booleans and null, and
 * the emitter's analysis of a scalar (which styles it allows). libyaml and PyYAML's pure-Python
 * emitter analyse alike but for which characters are printable and which are line breaks.
 */

/** Which emitter's bytes to reproduce: libyaml's (`CSafeDumper`) or PyYAML's pure-Python one. */
export type YamlDialect = 'libyaml' | 'pyyaml';

export const BEST_WIDTH = 80;
export const BEST_INDENT = 2;

const PYYAML_BREAKS = new Set([0x0a, 0x85, 0x2028, 0x2029]);
// libyaml's IS_BREAK also counts '\r'.
const LIBYAML_BREAKS = new Set([0x0d, 0x0a, 0x85, 0x2028, 0x2029]);
const BLANK_Z = new Set([0, 0x20, 0x09, 0x0d, 0x0a, 0x85, 0x2028, 0x2029]);
/** End of text counts as blank, as both emitters read the terminating NUL. */
const isBlankZ = (c: number | undefined): boolean => c === undefined || BLANK_Z.has(c);

export function isBreak(dialect: YamlDialect, c: number | undefined): boolean {
  return c !== undefined && (dialect === 'libyaml' ? LIBYAML_BREAKS : PYYAML_BREAKS).has(c);
}

/** Characters written as they are when unicode is allowed (else only ASCII 0x20-0x7E and '\n'). */
function isPrintable(dialect: YamlDialect, c: number): boolean {
  if (c === 0x0a || (c >= 0x20 && c <= 0x7e)) return true;
  const bmp = (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
  // PyYAML also accepts NEL and the astral planes (short of U+10FFFF); libyaml escapes them.
  return dialect === 'libyaml' ? bmp : bmp || c === 0x85 || (c >= 0x10000 && c < 0x10ffff);
}

export interface ScalarAnalysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
  /** Length in UTF-8 bytes, which libyaml's simple-key limit counts. */
  utf8Length: number;
}

/** The emitter's analyze_scalar for block context. `cps` are the scalar's code points. */
export function analyzeScalar(cps: readonly number[], dialect: YamlDialect, allowUnicode: boolean): ScalarAnalysis {
  const utf8Length = cps.reduce((n, c) => n + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4), 0);
  if (cps.length === 0) return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true, utf8Length };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false;
  const head = String.fromCodePoint(...cps.slice(0, 3));
  if (head === '---' || head === '...') blockIndicators = true;
  let precededByWs = true;
  let followedByWs = isBlankZ(cps[1]);
  const last = cps.length - 1;
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i]!;
    const ch = String.fromCodePoint(c);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':' || ch === '-') && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    const brk = isBreak(dialect, c);
    if (brk) lineBreaks = true;
    if (!isPrintable(dialect, c) || (c > 0x7e && !allowUnicode)) special = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (brk) {
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWs = isBlankZ(c);
    followedByWs = isBlankZ(cps[i + 2]);
  }
  const noPlain = leadingSpace || leadingBreak || trailingSpace || trailingBreak || breakSpace || spaceBreak || special;
  return {
    empty: false,
    multiline: lineBreaks,
    allowBlockPlain: !(noPlain || lineBreaks || blockIndicators),
    allowSingleQuoted: !(breakSpace || spaceBreak || special),
    utf8Length,
  };
}

/** SafeRepresenter: the scalar's text, and whether it may be written plain (implicit[0]). */
export function representScalar(value: PyYamlValue): [text: string, plainImplicit: boolean] {
  if (value === null) return ['null', true];
  if (typeof value === 'boolean') return [value ? 'true' : 'false', true];
  if (typeof value === 'bigint') return [value.toString(), true];
  if (typeof value === 'number' && Number.isInteger(value) && !Object.is(value, -0)) return [String(value), true];
  if (typeof value === 'number' || value instanceof PyFloat) {
    const x = typeof value === 'number' ? value : value.value;
    if (Number.isNaN(x)) return ['.nan', true];
    if (x === Infinity) return ['.inf', true];
    if (x === -Infinity) return ['-.inf', true];
    // represent_float: repr() lowercased, with '.0' added to a mantissa without a point.
    let text = pyFloatRepr(x).toLowerCase();
    if (!text.includes('.') && text.includes('e')) text = text.replace('e', '.0e');
    return [text, true];
  }
  if (typeof value === 'string') return [value, value !== '' && resolvePlain(value) === 'str'];
  throw new TypeError(`cannot represent ${typeof value} in YAML`);
}
