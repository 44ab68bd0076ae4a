/**
 * PyYAML's implicit resolvers (YAML 1.1, `yaml/resolver.py`): the type a plain scalar reads as.
 * The emitter asks them which strings must be quoted to stay strings, the loader which type to
 * construct. libyaml's CSafeDumper and CSafeLoader use the same Python resolvers.
 */

export type PlainTag = 'null' | 'bool' | 'int' | 'float' | 'timestamp' | 'merge' | 'value' | 'str';

// Keyed by first character, in PyYAML's order of registration.
const RESOLVERS: ReadonlyArray<{ tag: PlainTag; first: string; re: RegExp }> = [
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
export function resolvePlain(value: string): PlainTag {
  if (value === '') return 'null';
  const first = value[0]!;
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  for (const r of RESOLVERS) {
    if (r.first.includes(first) && (r.re.test(value) || r.re.test(body))) return r.tag;
  }
  return 'str';
}

/**
 * Orders strings by Unicode code point, as Python compares str (and so sorts dict keys).
 * JavaScript's `<` compares UTF-16 code units, which puts astral characters (emoji) before
 * U+E000..U+FFFF; this does not.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // At the first differing unit both strings share the prefix, so codePointAt sees a whole
    // character on each side (or two low surrogates of the same high one, compared as units).
    const cx = a.codePointAt(i) ?? x;
    const cy = b.codePointAt(i) ?? y;
    return cx < cy ? -1 : cx > cy ? 1 : 0;
  }
  return a.length - b.length;
}
