import { codePoints, compareCodePoints, resolvePlain, type PyYamlMapping, type PyYamlValue } from './py-yaml.js';

/**
 * `yaml.dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True, Dumper=CSafeDumper)`
 * byte for byte, as MLflow's FileStore writes meta.yaml.
 *
 * The `yaml` package cannot be configured to produce libyaml's bytes (its quoting follows the YAML
 * 1.2 core schema, its folding differs, it prefers block scalars), so the emitter is reimplemented
 * here for the shapes MLflow writes (mappings of strings, integers, null, `[]`, `{}`, nested
 * mappings): PyYAML's resolvers decide whether a string may stay plain, and libyaml's rules decide
 * the style, quoting, escaping and folding at 80 columns.
 */

const BEST_WIDTH = 80;
const BREAKS = new Set([0x0a, 0x0d, 0x85, 0x2028, 0x2029]);
const isBreak = (c: number | undefined): boolean => c !== undefined && BREAKS.has(c);
/** End of string counts as "blank or zero", as libyaml reads the terminating NUL. */
const isBlankZ = (c: number | undefined): boolean => c === undefined || c === 0x20 || c === 0x09 || c === 0 || isBreak(c);
const isPrintable = (c: number): boolean =>
  c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);

interface ScalarAnalysis {
  multiline: boolean;
  blockPlainAllowed: boolean;
  singleQuotedAllowed: boolean;
  utf8Length: number;
}

function analyze(cps: number[]): ScalarAnalysis {
  const utf8Length = cps.reduce((n, c) => n + (c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4), 0);
  if (cps.length === 0) return { multiline: false, blockPlainAllowed: true, singleQuotedAllowed: true, utf8Length };
  let blockIndicators = false;
  let lineBreaks = false;
  let special = false;
  let leadingSpace = false, leadingBreak = false, trailingSpace = false, trailingBreak = false;
  let breakSpace = false, spaceBreak = false, prevSpace = false, prevBreak = false;
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
      if ((ch === '?' || ch === ':') && followedByWs) blockIndicators = true;
      if (ch === '-' && followedByWs) blockIndicators = true;
    } else {
      if (ch === ':' && followedByWs) blockIndicators = true;
      if (ch === '#' && precededByWs) blockIndicators = true;
    }
    if (!isPrintable(c)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === 0x20) {
      if (i === 0) leadingSpace = true;
      if (i === last) trailingSpace = true;
      if (prevBreak) breakSpace = true;
      prevSpace = true;
      prevBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === last) trailingBreak = true;
      if (prevSpace) spaceBreak = true;
      prevSpace = false;
      prevBreak = true;
    } else {
      prevSpace = false;
      prevBreak = false;
    }
    precededByWs = isBlankZ(c);
    followedByWs = isBlankZ(cps[i + 2]);
  }
  const noPlain = leadingSpace || leadingBreak || trailingSpace || trailingBreak || breakSpace || spaceBreak || special || lineBreaks || blockIndicators;
  return {
    multiline: lineBreaks,
    blockPlainAllowed: !noPlain,
    singleQuotedAllowed: !(breakSpace || spaceBreak || special),
    utf8Length,
  };
}

const ESCAPES: Record<number, string> = {
  0x00: '0', 0x07: 'a', 0x08: 'b', 0x09: 't', 0x0a: 'n', 0x0b: 'v', 0x0c: 'f', 0x0d: 'r', 0x1b: 'e',
  0x22: '"', 0x5c: '\\', 0x85: 'N', 0xa0: '_', 0x2028: 'L', 0x2029: 'P',
};

/** The writer state of libyaml's emitter that decides spacing, indentation and folding. */
class Emitter {
  out = '';
  column = 0;
  whitespace = true;
  indention = true;

  put(s: string): void {
    this.out += s;
    this.column += [...s].length;
  }
  putBreak(): void {
    this.out += '\n';
    this.column = 0;
  }
  writeIndent(indent: number): void {
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.putBreak();
    while (this.column < indent) this.put(' ');
    this.whitespace = true;
    this.indention = true;
  }
  indicator(s: string, needWhitespace: boolean, isWhitespace: boolean, isIndention: boolean): void {
    if (needWhitespace && !this.whitespace) this.put(' ');
    this.put(s);
    this.whitespace = isWhitespace;
    this.indention = this.indention && isIndention;
  }
  private lineBreak(c: number, state: { breaks: boolean }): void {
    if (!state.breaks && c === 0x0a) this.putBreak();
    if (c === 0x0a) this.putBreak();
    else {
      this.out += String.fromCodePoint(c);
      this.column = 0;
    }
    this.indention = true;
    state.breaks = true;
  }
  plain(cps: number[], allowBreaks: boolean, indent: number): void {
    if (!this.whitespace && cps.length > 0) this.put(' ');
    const st = { breaks: false };
    let spaces = false;
    cps.forEach((c, i) => {
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && cps[i + 1] !== 0x20) this.writeIndent(indent);
        else this.put(' ');
        spaces = true;
      } else if (isBreak(c)) {
        this.lineBreak(c, st);
      } else {
        if (st.breaks) this.writeIndent(indent);
        this.put(String.fromCodePoint(c));
        this.indention = false;
        spaces = false;
        st.breaks = false;
      }
    });
    this.whitespace = false;
    this.indention = false;
  }
  singleQuoted(cps: number[], allowBreaks: boolean, indent: number): void {
    this.indicator("'", true, false, false);
    const st = { breaks: false };
    let spaces = false;
    const last = cps.length - 1;
    cps.forEach((c, i) => {
      if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== last && cps[i + 1] !== 0x20) {
          this.writeIndent(indent);
        } else this.put(' ');
        spaces = true;
      } else if (isBreak(c)) {
        this.lineBreak(c, st);
      } else {
        if (st.breaks) this.writeIndent(indent);
        this.put(c === 0x27 ? "''" : String.fromCodePoint(c));
        this.indention = false;
        spaces = false;
        st.breaks = false;
      }
    });
    if (st.breaks) this.writeIndent(indent);
    this.indicator("'", false, false, false);
    this.whitespace = false;
    this.indention = false;
  }
  doubleQuoted(cps: number[], allowBreaks: boolean, indent: number): void {
    this.indicator('"', true, false, false);
    let spaces = false;
    const last = cps.length - 1;
    cps.forEach((c, i) => {
      if (!isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        const named = ESCAPES[c];
        const hex = c.toString(16).toUpperCase();
        this.put('\\' + (named ?? (c <= 0xff ? 'x' + hex.padStart(2, '0') : c <= 0xffff ? 'u' + hex.padStart(4, '0') : 'U' + hex.padStart(8, '0'))));
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== last) {
          this.writeIndent(indent);
          if (cps[i + 1] === 0x20) this.put('\\');
        } else this.put(' ');
        spaces = true;
      } else {
        this.put(String.fromCodePoint(c));
        spaces = false;
      }
    });
    this.indicator('"', false, false, false);
    this.whitespace = false;
    this.indention = false;
  }

  /** A string scalar; `indent` is the indentation its continuation lines get. */
  str(value: string, simpleKey: boolean, indent: number, a = analyze(codePoints(value))): void {
    const cps = codePoints(value);
    let style: 'plain' | 'single' | 'double' = 'plain';
    if (simpleKey && a.multiline) style = 'double';
    if (style === 'plain') {
      if (!a.blockPlainAllowed || (cps.length === 0 && simpleKey) || resolvePlain(value) !== 'str') style = 'single';
    }
    if (style === 'single' && !a.singleQuotedAllowed) style = 'double';
    const allowBreaks = !simpleKey;
    if (style === 'plain') this.plain(cps, allowBreaks, indent);
    else if (style === 'single') this.singleQuoted(cps, allowBreaks, indent);
    else this.doubleQuoted(cps, allowBreaks, indent);
  }

  node(value: PyYamlValue, mapIndent: number): void {
    if (value === null) this.plain(codePoints('null'), true, mapIndent + 2);
    else if (typeof value === 'boolean') this.plain(codePoints(value ? 'true' : 'false'), true, mapIndent + 2);
    else if (typeof value === 'bigint') this.plain(codePoints(value.toString()), true, mapIndent + 2);
    else if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new TypeError(`pyYamlDump: only integer numbers are supported, got ${value}`);
      this.plain(codePoints(String(value)), true, mapIndent + 2);
    } else if (typeof value === 'string') this.str(value, false, mapIndent + 2);
    else if (Array.isArray(value)) {
      if (value.length > 0) throw new TypeError('pyYamlDump: non-empty sequences are not supported');
      this.indicator('[', true, true, false);
      this.indicator(']', false, false, false);
    } else if (Object.keys(value).length === 0) {
      this.indicator('{', true, true, false);
      this.indicator('}', false, false, false);
    } else this.mapping(value, mapIndent);
  }

  /** A block mapping; `parentIndent` is -1 at the root. */
  mapping(map: PyYamlMapping, parentIndent: number): void {
    const indent = parentIndent < 0 ? 0 : parentIndent + 2;
    for (const key of Object.keys(map).sort(compareCodePoints)) {
      this.writeIndent(indent);
      const a = analyze(codePoints(key));
      if (!a.multiline && a.utf8Length <= 128) {
        this.str(key, true, indent + 2, a);
        this.indicator(':', false, false, false);
      } else {
        this.indicator('?', true, false, true);
        this.str(key, false, indent + 2, a);
        this.writeIndent(indent);
        this.indicator(':', true, false, true);
      }
      this.node(map[key]!, indent);
    }
  }
}

/** The bytes `yaml.dump(data, default_flow_style=False, allow_unicode=True, Dumper=CSafeDumper)` writes. */
export function pyYamlDump(data: PyYamlMapping): string {
  const e = new Emitter();
  if (Object.keys(data).length === 0) return '{}\n';
  e.mapping(data, -1);
  e.writeIndent(0);
  return e.out;
}
