import { PyFloat } from './json-dumps.js';
import type { PyYamlMapping, PyYamlValue } from './yaml-load.js';
import { compareCodePoints } from './yaml-resolver.js';
import { BEST_INDENT, BEST_WIDTH, analyzeScalar, isBreak, representScalar, type YamlDialect } from './yaml-scalar.js';

/**
 * YAML byte for byte as MLflow writes it, in block style (`default_flow_style=False`), with
 * PyYAML's resolvers deciding which strings must be quoted and the emitter's rules deciding the
 * style, escaping and folding at 80 columns. Two emitters write MLflow's files:
 * - `libyaml`: `yaml.dump(..., Dumper=CSafeDumper, allow_unicode=True)`, the FileStore's meta.yaml;
 * - `pyyaml`: PyYAML's pure-Python `yaml.safe_dump(...)`, MLmodel, conda.yaml, python_env.yaml.
 * They differ in which characters they escape, where a key stops being simple, and how they fold
 * a double-quoted scalar. The `yaml` package cannot be configured to produce either's bytes (its
 * quoting follows the YAML 1.2 core schema, its folding differs), hence this port.
 */

export interface PyYamlDumpOptions {
  /** The emitter to reproduce; default `pyyaml` (safe_dump). */
  dialect?: YamlDialect | undefined;
  /** `sort_keys` (default true, as PyYAML's): keys in code point order. */
  sortKeys?: boolean | undefined;
  /** `allow_unicode`: false (safe_dump's default) escapes non-ASCII in double quotes. */
  allowUnicode?: boolean | undefined;
}

const ESCAPES: Record<string, string> = {
  '\0': '0', '\x07': 'a', '\x08': 'b', '\x09': 't', '\x0a': 'n', '\x0b': 'v', '\x0c': 'f', '\x0d': 'r',
  '\x1b': 'e', '"': '"', '\\': '\\', '\x85': 'N', '\xa0': '_', '\u2028': 'L', '\u2029': 'P',
};

const cp = (ch: string | undefined): number | undefined => ch?.codePointAt(0);

function escape(ch: string): string {
  const c = cp(ch)!;
  const hex = c.toString(16).toUpperCase();
  return '\\' + (ESCAPES[ch] ?? (c <= 0xff ? 'x' + hex.padStart(2, '0') : c <= 0xffff ? 'u' + hex.padStart(4, '0') : 'U' + hex.padStart(8, '0')));
}

/** The writer state of the emitter (PyYAML's emitter.py, libyaml's emitter.c) for block style. */
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
  private analyze(chars: string[]) {
    return analyzeScalar(chars.map((ch) => cp(ch)!), this.opts.dialect, this.opts.allowUnicode);
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
        if (this.isSimpleKey([...key])) {
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

  /**
   * check_simple_key: libyaml counts the key's UTF-8 bytes (at most 128); PyYAML counts characters
   * plus those of the tag it would print, `!!str` even when implicit (under 128), and refuses ''.
   */
  private isSimpleKey(chars: string[]): boolean {
    const a = this.analyze(chars);
    if (a.multiline) return false;
    return this.opts.dialect === 'libyaml' ? a.utf8Length <= 128 : '!!str'.length + chars.length < 128 && !a.empty;
  }

  private emptyFlow(open: string, close: string): void {
    this.indicator(open, true, true);
    this.indicator(close, false);
  }

  /** choose_scalar_style for block context, then the writer of that style. */
  private scalar(text: string, implicitPlain: boolean, simpleKey: boolean): void {
    const chars = [...text];
    const a = this.analyze(chars);
    const split = !simpleKey;
    if (implicitPlain && !(simpleKey && (a.empty || a.multiline)) && a.allowBlockPlain) this.plain(chars, split);
    else if (a.allowSingleQuoted && !(simpleKey && a.multiline)) this.singleQuoted(chars, split);
    else if (this.opts.dialect === 'libyaml') this.doubleQuotedLibyaml(chars, split);
    else this.doubleQuotedPyyaml(chars, split);
  }

  /** Writes a run of spaces, or breaks the line there when the run is one space past column 80. */
  private spaces(run: string, mayFold: boolean): void {
    if (mayFold && run.length === 1 && this.column > BEST_WIDTH) {
      this.writeIndent();
      this.whitespace = false;
      this.indention = false;
    } else this.write(run);
  }

  /** A plain scalar; in block context it has no line breaks. A lone space past column 80 folds. */
  private plain(text: string[], split: boolean): void {
    if (text.length === 0) return;
    if (!this.whitespace) this.write(' ');
    this.whitespace = false;
    this.indention = false;
    for (const run of text.join('').match(/ +|[^ ]+/g) ?? []) {
      if (run.startsWith(' ')) this.spaces(run, split);
      else this.write(run);
    }
  }

  /** A single-quoted scalar: `'` doubled, a lone inner space past column 80 folds, '\n' doubled. */
  private singleQuoted(text: string[], split: boolean): void {
    const isBrk = (ch: string | undefined): boolean => isBreak(this.opts.dialect, cp(ch));
    this.indicator("'", true);
    let spaces = false;
    let breaks = false;
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      if (spaces) {
        if (ch !== ' ') {
          this.spaces(text.slice(start, end).join(''), split && start !== 0 && end !== text.length);
          start = end;
        }
      } else if (breaks) {
        if (!isBrk(ch)) {
          if (text[start] === '\n') this.lineBreak();
          for (const br of text.slice(start, end)) this.lineBreak(br);
          this.writeIndent();
          start = end;
        }
      } else if (ch === undefined || ch === ' ' || isBrk(ch) || ch === "'") {
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
        breaks = isBrk(ch);
      }
    }
    this.indicator("'", false);
  }

  /** PyYAML's double-quoted writer: folds with an escaped line break (`\` at the end of the line). */
  private doubleQuotedPyyaml(text: string[], split: boolean): void {
    this.indicator('"', true);
    let start = 0;
    for (let end = 0; end <= text.length; end++) {
      const ch = text[end];
      const c = cp(ch) ?? 0;
      const plainOk = (c >= 0x20 && c <= 0x7e) || (this.opts.allowUnicode && ((c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd)));
      if (ch === undefined || '"\\\x85\u2028\u2029\ufeff'.includes(ch) || !plainOk) {
        if (start < end) {
          this.write(text.slice(start, end).join(''), end - start);
          start = end;
        }
        if (ch !== undefined) {
          this.write(escape(ch));
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

  /** libyaml's double-quoted writer: a lone inner space past column 80 becomes the line break. */
  private doubleQuotedLibyaml(text: string[], split: boolean): void {
    this.indicator('"', true);
    let spaces = false;
    const last = text.length - 1;
    text.forEach((ch, i) => {
      const c = cp(ch)!;
      const printable = c === 0x0a || (c >= 0x20 && c <= 0x7e) || (this.opts.allowUnicode && ((c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff)));
      if (!printable || isBreak('libyaml', c) || ch === '"' || ch === '\\') {
        this.write(escape(ch));
        spaces = false;
      } else if (ch === ' ') {
        if (split && !spaces && this.column > BEST_WIDTH && i !== 0 && i !== last) {
          this.writeIndent();
          if (text[i + 1] === ' ') this.write('\\');
        } else this.write(' ');
        spaces = true;
      } else {
        this.write(ch);
        spaces = false;
      }
    });
    this.indicator('"', false);
  }
}

/**
 * The text `yaml.safe_dump(data, default_flow_style=False, ...)` writes (dialect `pyyaml`), or
 * `yaml.dump(data, Dumper=CSafeDumper, default_flow_style=False, ...)` (dialect `libyaml`). The
 * root is a mapping or a sequence; `undefined` members are skipped.
 */
export function pyYamlDump(data: PyYamlMapping | PyYamlValue[], opts: PyYamlDumpOptions = {}): string {
  const e = new Emitter({ dialect: opts.dialect ?? 'pyyaml', sortKeys: opts.sortKeys ?? true, allowUnicode: opts.allowUnicode ?? false });
  e.node(data, false);
  e.writeIndent();
  return e.out;
}

/** How MLflow's FileStores write meta.yaml: `yaml.dump(..., allow_unicode=True, Dumper=CSafeDumper)`. */
export const META_YAML: PyYamlDumpOptions = Object.freeze({ dialect: 'libyaml', allowUnicode: true });
