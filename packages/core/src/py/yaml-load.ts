import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { PyFloat } from './json-dumps.js';
import { resolvePlain } from './yaml-resolver.js';

/** A value PyYAML reads or writes; `PyFloat` marks a number Python holds as a float (dump only). */
export type PyYamlValue = string | number | bigint | boolean | null | PyFloat | PyYamlValue[] | PyYamlMapping;
export interface PyYamlMapping {
  [key: string]: PyYamlValue;
}
/** What the loader returns: a PyYamlValue without PyFloat. */
export type PyYamlData = string | number | bigint | boolean | null | PyYamlData[] | { [key: string]: PyYamlData };

/**
 * Parses YAML as `yaml.safe_load` (and libyaml's CSafeLoader, which types alike) reads it: the
 * `yaml` package parses with the failsafe schema and PyYAML's YAML 1.1 resolvers type the plain
 * scalars. Python's values map to: int → number, or bigint beyond 2^53 (Python ints have no
 * bound); float → number; bool, None → boolean, null; a timestamp (which PyYAML makes a
 * datetime) → its text. So `1e3` is the string '1e3' (a YAML 1.1 float needs a '.') and `1_000`
 * is 1000. Throws on malformed input.
 */
export function pyYamlLoad(text: string): PyYamlData {
  // PyYAML's reader takes a raw NEL (U+0085) for a line break and reads it as '\n'; the yaml
  // package takes it for content. (PyYAML's emitter writes it raw with allow_unicode=True.)
  const normalized = text.includes('\x85') ? text.replace(/\x85/g, '\n') : text;
  const doc = parseDocument(protectLineSeparators(normalized), { schema: 'failsafe', version: '1.1', uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message.split('\n')[0]);
  return convert(doc.contents, doc);
}

const LS_MARK = '\uFDD0';
const PS_MARK = '\uFDD1';

/**
 * YAML 1.1 (PyYAML, libyaml) treats U+2028/U+2029 as line breaks; the yaml package treats them as
 * content. libyaml writes them raw only inside single-quoted scalars, followed by indentation (or
 * by '\n' breaks, which then are not folded). Swap them for noncharacter marks placed so that the
 * yaml package's folding yields what libyaml's scanner reads; `restore` puts them back.
 */
function protectLineSeparators(text: string): string {
  if (!/[\u2028\u2029]/.test(text) || /[\uFDD0\uFDD1]/.test(text)) return text;
  return text.replace(/([\u2028\u2029]) *(\n?)/g, (_m, sep: string, after: string, offset: number) => {
    const mark = sep === '\u2028' ? LS_MARK : PS_MARK;
    return (text[offset - 1] === '\n' ? ' '.repeat(16) : '') + mark + (after ? '\n\n' : '');
  });
}

function restore(s: string): string {
  return /[\uFDD0\uFDD1]/.test(s) ? s.replace(/\uFDD0/g, '\u2028').replace(/\uFDD1/g, '\u2029') : s;
}

function convert(node: unknown, doc: Document): PyYamlData {
  if (node === null || node === undefined) return null;
  if (isAlias(node)) return convert(node.resolve(doc), doc);
  if (isScalar(node)) {
    const v = restore(String(node.value));
    return node.type === 'PLAIN' && node.tag === undefined ? constructPlain(v) : v;
  }
  if (isSeq(node)) return node.items.map((it) => convert(it, doc));
  if (isMap(node)) {
    const out: { [key: string]: PyYamlData } = {};
    for (const pair of node.items) out[String(convert(pair.key, doc))] = convert(pair.value, doc);
    return out;
  }
  throw new Error('unsupported YAML node');
}

function constructPlain(v: string): PyYamlData {
  switch (resolvePlain(v)) {
    case 'null':
      return null;
    case 'bool':
      return /^(?:yes|true|on)$/i.test(v);
    case 'int': {
      const n = constructInt(v);
      return n >= -Number.MAX_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER ? Number(n) : n;
    }
    case 'float': {
      const t = v.replace(/_/g, '').toLowerCase();
      if (t.endsWith('.inf')) return t.startsWith('-') ? -Infinity : Infinity;
      if (t === '.nan') return NaN;
      if (!t.includes(':')) return Number(t);
      const sign = t.startsWith('-') ? -1 : 1;
      return sign * t.replace(/^[-+]/, '').split(':').reduce((acc, part) => acc * 60 + Number(part), 0);
    }
    default:
      return v;
  }
}

/** PyYAML's construct_yaml_int: underscores dropped; 0b binary, 0x hex, leading 0 octal, a:b base 60. */
function constructInt(v: string): bigint {
  let t = v.replace(/_/g, '');
  let sign = 1n;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t[0] === '-') sign = -1n;
    t = t.slice(1);
  }
  if (t === '0') return 0n;
  if (t.startsWith('0b') || t.startsWith('0x')) return sign * BigInt(t);
  if (t.startsWith('0')) return sign * BigInt('0o' + t.slice(1));
  if (t.includes(':')) return sign * t.split(':').reduce((acc, part) => acc * 60n + BigInt(part), 0n);
  return sign * BigInt(t);
}
