import { readFileSync } from 'node:fs';
import { pythonFloatRepr, parsePythonFloat } from './packages/core/src/stores/file-store-format.js';
const vals: [string, string][] = JSON.parse(readFileSync('/tmp/fsref/floats.json', 'utf8'));
let bad = 0, badParse = 0;
for (const [hex, py] of vals) {
  const v = Buffer.from(hex, 'hex').readDoubleLE(0);
  const js = pythonFloatRepr(v);
  if (js !== py && bad++ < 10) console.log('repr', hex, py, js);
  const back = parsePythonFloat(py)!;
  if (!(Object.is(back, v) || (Number.isNaN(back) && Number.isNaN(v)))) badParse++;
}
console.log('repr mismatches', bad, 'parse mismatches', badParse, 'of', vals.length);
for (const [t, py] of JSON.parse(readFileSync('/tmp/fsref/floatparse.json', 'utf8')) as [string, string | null][]) {
  const v = parsePythonFloat(t);
  const js = v === undefined ? null : pythonFloatRepr(v);
  if (js !== py) console.log('parse', JSON.stringify(t), py, js);
}
