import { PyFloat, pyFloatRepr } from './py-json.js';
import type { PyYamlValue } from './py-yaml.js';
import { compareCodePoints, resolvePlain } from '@runlog/core/internal';

export { compareCodePoints };

/**
 * The scalar half of the PyYAML port (py-yaml.ts): PyYAML's implicit resolvers (which strings must
 * be quoted to stay strings), the emitter's scalar analysis (which styles a string allows), and
 * SafeRepresenter's text for numbers, booleans and null.
 */

export const BEST_WIDTH = 80;
export const BEST_INDENT = 2;
const BREAKS = '\n\x85\u2028\u2029';
export const isBreak = (ch: string | undefined): boolean => ch !== undefined && BREAKS.includes(ch);
const WS = '\0 \t\r\n\x85\u2028\u2029';

/** True when PyYAML would read `value` back as a string if written plain (core's resolver table). */
function plainIsString(value: string): boolean {
  return value !== '' && resolvePlain(value) === 'str';
}

export interface Analysis {
  empty: boolean;
  multiline: boolean;
  allowBlockPlain: boolean;
  allowSingleQuoted: boolean;
}

export function analyze(chars: string[], allowUnicode: boolean): Analysis {
  if (chars.length === 0) return { empty: true, multiline: false, allowBlockPlain: true, allowSingleQuoted: true };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, previousSpace = false, previousBreak = false;
  const head = chars.slice(0, 3).join('');
  if (head === '---' || head === '...') blockIndicators = true;
  let precededByWs = true;
  let followedByWs = chars.length === 1 || WS.includes(chars[1]!);
  const last = chars.length - 1;
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    const cp = ch.codePointAt(0)!;
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(ch)) blockIndicators = true;
      if ((ch === '?' || ch === ':') && followedByWs) blockIndicators = true;
      if (ch === '-' && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    if (isBreak(ch)) lineBreaks = true;
    if (!(ch === '\n' || (cp >= 0x20 && cp <= 0x7e))) {
      const unicode =
        (cp === 0x85 || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp < 0x10ffff)) && cp !== 0xfeff;
      if (!unicode || !allowUnicode) special = true;
    }
    if (ch === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(ch)) {
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWs = WS.includes(ch);
    followedByWs = i + 2 >= chars.length || WS.includes(chars[i + 2]!);
  }
  let allowBlockPlain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak);
  let allowSingleQuoted = true;
  if (breakSpace) allowBlockPlain = allowSingleQuoted = false;
  if (spaceBreak || special) allowBlockPlain = allowSingleQuoted = false;
  if (lineBreaks || blockIndicators) allowBlockPlain = false;
  return { empty: false, multiline: lineBreaks, allowBlockPlain, allowSingleQuoted };
}

/** SafeRepresenter: the scalar's text, and whether it may be written plain (implicit[0]). */
export function representScalar(value: PyYamlValue): [string, boolean] {
  if (value === null) return ['null', true];
  if (typeof value === 'boolean') return [value ? 'true' : 'false', true];
  if (typeof value === 'bigint') return [value.toString(), true];
  if (typeof value === 'number' && Number.isInteger(value) && !Object.is(value, -0)) return [String(value), true];
  if (typeof value === 'number' || value instanceof PyFloat) {
    const x = typeof value === 'number' ? value : value.value;
    if (Number.isNaN(x)) return ['.nan', true];
    if (x === Infinity) return ['.inf', true];
    if (x === -Infinity) return ['-.inf', true];
    let text = pyFloatRepr(x).toLowerCase();
    if (!text.includes('.') && text.includes('e')) text = text.replace('e', '.0e');
    return [text, true];
  }
  if (typeof value === 'string') return [value, plainIsString(value)];
  throw new TypeError(`cannot represent ${typeof value} in YAML`);
}

