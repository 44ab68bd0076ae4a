import { parse } from 'yaml';
import { PyFloat } from './py-json.js';
import { BEST_INDENT, BEST_WIDTH, analyze, compareCodePoints, isBreak, representScalar } from './py-yaml-scalar.js';

/**
 * YAML as MLflow writes and reads model files. Writing reproduces PyYAML's pure-Python
 * `yaml.safe_dump(data, default_flow_style=False)` byte for byte (MLmodel, conda.yaml,
 * python_env.yaml): block style, keys sorted by code point (unless `sortKeys: false`), PyYAML's
 * resolvers deciding which strings must be quoted, and its folding of long scalars at 80 columns.
 * The `yaml` package cannot be configured to produce those bytes, hence this port of the emitter
 * for the value shapes model files hold (mappings, sequences, strings, numbers, booleans, null).
 * Reading uses the `yaml` package with YAML 1.1 rules, minus timestamps (MLflow quotes them).
 */

export { compareCodePoints } from './py-yaml-scalar.js';

export type PyYamlValue = string | number | bigint | boolean | null | PyFloat | PyYamlValue[] | { [key: string]: PyYamlValue };

export interface PyYamlDumpOptions {
  /** PyYAML's default `sort_keys=True`. */
  sortKeys?: boolean | undefined;
  /** `allow_unicode`: false (the default of safe_dump) escapes non-ASCII in double quotes. */
  allowUnicode?: boolean | undefined;
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0a': 'n', '\x0b': 'v', '\x0c': 'f', '\x0d': 'r',
  '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

/** The writer state of PyYAML's Emitter (emitter.py) that decides spacing, indentation and folding. */
class Emitter {
  out = '';
  private column = 0;
  private whitespace = true;
  private indention = true;
  private indent: number | null = null;
  private readonly indents: Array<number | null> = [];

  constructor(private readonly opts: Required<PyYamlDumpOptions>) {}

  private write(s: string, length = [...s].length): void {
    this.out += s;
    this.column += length;
  }
  private lineBreak(data = '\n'): void {
    this.whitespace = true;
    this.indention = true;
    this.column = 0;
    this.out += data;
  }
  writeIndent(): void {
    const indent = this.indent ?? 0;
    if (!this.indention || this.column > indent || (this.column === indent && !this.whitespace)) this.lineBreak();
    if (this.column < indent) {
      this.whitespace = true;
      this.write(' '.repeat(indent - this.column));
    }
  }
  private indicator(s: string, needWhitespace: boolean, whitespace = false, indention = false): void {
    this.write(this.whitespace || !needWhitespace ? s : ' ' + s);
    this.whitespace = whitespace;
    this.indention = this.indention && indention;
  }
  private increaseIndent(flow: boolean, indentless = false): void {
    this.indents.push(this.indent);
    if (this.indent === null) this.indent = flow ? BEST_INDENT : 0;
    else if (!indentless) this.indent += BEST_INDENT;
  }
  private popIndent(): void {
    this.indent = this.indents.pop() ?? null;
  }

  node(value: PyYamlValue, mappingContext: boolean, simpleKey = false): void {
    if (Array.isArray(value)) {
      if (value.length === 0) return this.emptyFlow('[', ']');
      this.increaseIndent(false, mappingContext && !this.indention);
      for (const item of value) {
        this.writeIndent();
        this.indicator('-', true, false, true);
        this.node(item, false);
      }
      return this.popIndent();
    }
    if (value !== null && typeof value === 'object' && !(value instanceof PyFloat)) {
      const keys = Object.keys(value).filter((k) => value[k] !== undefined);
      if (keys.length === 0) return this.emptyFlow('{', '}');
      if (this.opts.sortKeys) keys.sort(compareCodePoints);
      this.increaseIndent(false);
      for (const key of keys) {
        this.writeIndent();
        const chars = [...key];
        const a = analyze(chars, this.opts.allowUnicode);
        if (chars.length < 128 && !a.empty && !a.multiline) {
          this.node(key, true, true);
          this.indicator(':', false);
        } else {
          this.indicator('?', true, false, true);
          this.node(key, true);
          this.writeIndent();
          this.indicator(':', true, false, true);
        }
        this.node(value[key]!, true);
      }
      return this.popIndent();
    }
    const [text, implicit] = representScalar(value);
    this.increaseIndent(true);
    this.scalar(text, implicit, simpleKey);
    this.popIndent();
  }

  private emptyFlow(open: string, close: string): void {
    this.indicator(open, true, true);
    this.indicator(close, false);
  }

  private scalar(text: string, implicitPlain: boolean, simpleKey: boolean): void {
    const chars = [...text];
    const a = analyze(chars, this.opts.allowUnicode);
    const split = !simpleKey;
    if (implicitPlain && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain) this.plain(chars, split);
    else if (a.allowSingleQuoted && !(simpleKey && a.multiline)) this.singleQuoted(chars, split);
    else this.doubleQuoted(chars, split);
  }

  private plain(text: string[], split: boolean): void {
    if (text.length === 0) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    let spaces = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      if (spaces) {
        if (ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split) {
            this.writeIndent();
            this.whitespace = false;
            this.indention = false;
          } else this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      } else if (ch === undefined || ch === ' ') {
        this.write(text.slice(start, end).join(''), end - start);
        start = end;
      }
      if (ch !== undefined) spaces = ch === ' ';
    }
  }

  private singleQuoted(text: string[], split: boolean): void {
    this.indicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      if (spaces) {
        if (ch === undefined || ch !== ' ') {
          if (start + 1 === end && this.column > BEST_WIDTH && split && start !== 0 && end !== text.length) this.writeIndent();
          else this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      } else if (breaks) {
        if (ch === undefined || !isBreak(ch)) {
          if (text[start] === '\n') this.lineBreak();
          for (const br of text.slice(start, end)) this.lineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ch === ' ' || isBreak(ch) || ch === "'") {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
      }
      if (ch === "'") {
        this.write("''");
        start = end + 1;
      }
      if (ch !== undefined) {
        spaces = ch === ' ';
        breaks = isBreak(ch);
      }
    }
    this.indicator("'", false);
  }

  private doubleQuoted(text: string[], split: boolean): void {
    this.indicator('"', true);
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      const cp = ch?.codePointAt(0) ?? 0;
      const plainOk =
        (cp >= 0x20 && cp <= 0x7e) || (this.opts.allowUnicode && ((cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd)));
      if (ch === undefined || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !plainOk) {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
        if (ch !== undefined) {
          const hex = cp.toString(16).toUpperCase();
          const esc = ESCAPES[ch] ?? (cp <= 0xff ? 'x' + hex.padStart(2, '0') : cp <= 0xffff ? 'u' + hex.padStart(4, '0') : 'U' + hex.padStart(8, '0'));
          this.write('\\' + esc);
          start = end + 1;
        }
      }
      if (end > 0 && end < text.length - 1 && (ch === ' ' || start >= end) && this.column + (end - start) > BEST_WIDTH && split) {
        this.write(text.slice(start, end).join('') + '\\', end - start + 1);
        if (start < end) start = end;
        this.writeIndent();
        this.whitespace = false;
        this.indention = false;
        if (text[start] === ' ') this.write('\\');
      }
    }
    this.indicator('"', false);
  }
}

/** The text `yaml.safe_dump(data, default_flow_style=False, ...)` writes. */
export function pyYamlDump(data: PyYamlValue, opts: PyYamlDumpOptions = {}): string {
  const e = new Emitter({ sortKeys: opts.sortKeys ?? true, allowUnicode: opts.allowUnicode ?? false });
  e.node(data, false);
  e.writeIndent();
  return e.out;
}

/** Parses YAML the way `yaml.safe_load` types it (YAML 1.1 booleans and numbers; no timestamps). */
export function pyYamlLoad(text: string): unknown {
  return parse(text, {
    version: '1.1',
    customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
  });
}
