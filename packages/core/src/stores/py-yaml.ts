import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/**
 * YAML as MLflow's FileStore reads it (`yaml.load(Loader=CSafeLoader)`, YAML 1.1): the `yaml`
 * package parses with the failsafe schema, and PyYAML's implicit resolvers type the plain scalars.
 * Dumping is in py-yaml-dump.ts.
 */

export type PyYamlValue = string | number | bigint | boolean | null | PyYamlValue[] | PyYamlMapping;
export interface PyYamlMapping {
  [key: string]: PyYamlValue;
}

// ---- PyYAML's implicit resolvers (yaml/resolver.py, YAML 1.1), keyed by first character ----

type Resolved = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge' | 'value' | 'str';

const RESOLVERS: ReadonlyArray<{ tag: Resolved; first: string; re: RegExp }> = [
  { tag: 'bool', first: 'yYnNtTfFoO', re: /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/ },
  {
    tag: 'float',
    first: '-+0123456789.',
    re: /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  },
  {
    tag: 'int',
    first: '-+0123456789',
    re: /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  },
  { tag: 'merge', first: '<', re: /^(?:<<)$/ },
  { tag: 'null', first: '~nN', re: /^(?:~|null|Null|NULL|)$/ },
  {
    tag: 'timestamp',
    first: '0123456789',
    re: /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  },
  { tag: 'value', first: '=', re: /^(?:=)$/ },
];

/** The tag PyYAML gives a plain scalar. Python's `$` also matches before one trailing newline. */
export function resolvePlain(value: string): Resolved {
  if (value === '') return 'null';
  const first = value[0]!;
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  for (const r of RESOLVERS) {
    if (r.first.includes(first) && (r.re.test(value) || r.re.test(body))) return r.tag;
  }
  return 'str';
}

export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}

/** Python's str ordering (by code point), which differs from UTF-16 order above U+FFFF. */
export function compareCodePoints(a: string, b: string): number {
  const ca = codePoints(a);
  const cb = codePoints(b);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  }
  return ca.length - cb.length;
}

// ---- loading ----

/** Parses YAML as PyYAML's safe loader would type it (ints as bigint). Throws on malformed input. */
export function pyYamlLoad(text: string): PyYamlValue {
  const doc = parseDocument(protectLineSeparators(text), { schema: 'failsafe', version: '1.1', uniqueKeys: false });
  if (doc.errors.length > 0) throw new Error(doc.errors[0]!.message.split('\n')[0]);
  return convert(doc.contents);
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

function convert(node: unknown): PyYamlValue {
  if (node === null || node === undefined) return null;
  if (isScalar(node)) {
    const v = restore(String(node.value));
    return node.type === 'PLAIN' ? constructPlain(v) : v;
  }
  if (isSeq(node)) return node.items.map((it) => convert(it));
  if (isMap(node)) {
    const out: PyYamlMapping = {};
    for (const pair of node.items) {
      const key = convert(pair.key as Node);
      out[String(key)] = convert(pair.value);
    }
    return out;
  }
  throw new Error('unsupported YAML node (aliases and tags are not used in MLflow meta files)');
}

function constructPlain(v: string): PyYamlValue {
  switch (resolvePlain(v)) {
    case 'null':
      return null;
    case 'bool':
      return /^(?:yes|true|on)$/i.test(v);
    case 'int':
      return constructInt(v);
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

function constructInt(v: string): bigint {
  let t = v.replace(/_/g, '');
  let sign = 1n;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t[0] === '-') sign = -1n;
    t = t.slice(1);
  }
  if (t === '0') return 0n;
  if (t.startsWith('0b')) return sign * BigInt(t);
  if (t.startsWith('0x')) return sign * BigInt(t);
  if (t.startsWith('0')) return sign * BigInt('0o' + t.slice(1));
  if (t.includes(':')) return sign * t.split(':').reduce((acc, part) => acc * 60n + BigInt(part), 0n);
  return sign * BigInt(t);
}
