import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { InvalidArgumentError } from '@runlog/core';
import { parsePythonFloat, parsePythonInt, pyFloatRepr, resolvePlain } from '@runlog/core/internal';

/**
 * A YAML value of an MLproject as MLflow sees it after `yaml.safe_load`: scalars become the text
 * Python's `str()` gives them (`1.0` stays "1.0", `yes` becomes "True", `1_000` becomes "1000"),
 * and a YAML null becomes `null` (a parameter with a null default has no default).
 */
export type MlprojectValue = string | null | MlprojectValue[] | { [key: string]: MlprojectValue };

/** Parses MLproject text with PyYAML's YAML 1.1 typing of plain scalars; throws InvalidArgumentError on bad YAML. */
export function parseMlprojectYaml(text: string, file: string): MlprojectValue {
  const doc = parseDocument(text, { schema: 'failsafe', version: '1.1' });
  if (doc.errors.length > 0) {
    throw new InvalidArgumentError(`Could not parse ${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  return convert(doc.contents);
}

function convert(node: unknown): MlprojectValue {
  if (node === null || node === undefined) return null;
  if (isMap(node)) {
    const out: Record<string, MlprojectValue> = {};
    for (const pair of node.items) {
      const key = convert(pair.key);
      out[String(key)] = convert(pair.value);
    }
    return out;
  }
  if (isSeq(node)) return node.items.map((item) => convert(item));
  if (isScalar(node)) {
    const text = String(node.value);
    // Quoted and block scalars are strings; plain ones are typed as YAML 1.1 (PyYAML) types them.
    return node.type === 'PLAIN' ? pythonStr(text) : text;
  }
  return String((node as Node).toJSON());
}

/** `str(yaml.safe_load(text))` for a plain scalar, or null for a YAML null. */
function pythonStr(text: string): string | null {
  switch (resolvePlain(text)) {
    case 'null':
      return null;
    case 'bool':
      return /^(y|yes|true|on)$/i.test(text) ? 'True' : 'False';
    case 'int':
      return pythonIntStr(text);
    case 'float': {
      const f = parsePythonFloat(text.replace(/^([+-]?)\.(inf|nan)$/i, '$1$2'));
      return f === undefined ? text : pyFloatRepr(f);
    }
    default:
      return text;
  }
}

/** YAML 1.1 ints: decimal, 0b binary, 0x hex, 0-prefixed octal (sexagesimal ones stay as text). */
function pythonIntStr(text: string): string {
  const t = text.replace(/_/g, '');
  const negative = t.startsWith('-');
  const digits = t.replace(/^[-+]/, '');
  let n: number | undefined;
  if (/^0b[01]+$/.test(digits)) n = parseInt(digits.slice(2), 2);
  else if (/^0x[0-9a-fA-F]+$/.test(digits)) n = parseInt(digits.slice(2), 16);
  else if (/^0[0-7]+$/.test(digits)) n = parseInt(digits.slice(1), 8);
  else n = parsePythonInt(digits);
  if (n === undefined) return text;
  return negative && n !== 0 ? `-${n}` : String(n);
}
