import { readFileSync } from 'node:fs';
import { pyYamlDump } from './packages/core/src/stores/py-yaml-dump.js';
import { pyYamlLoad } from './packages/core/src/stores/py-yaml.js';
const canon = (v: unknown): string => JSON.stringify(v, (_k, x) => typeof x === 'bigint' ? Number(x) : x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x);
for (const f of ['cases.json', 'fuzz.json', 'fuzz2.json']) {
  const cases = JSON.parse(readFileSync('/tmp/fsref/yaml/' + f, 'utf8'));
  let bad = 0, badLoad = 0;
  for (const c of cases) {
    let out: string;
    try { out = pyYamlDump(c.in); } catch (e) { out = 'ERR ' + e; }
    if (out !== c.out) { if (bad++ < 8) console.log(JSON.stringify(c.in), '\n  py:', JSON.stringify(c.out), '\n  js:', JSON.stringify(out)); }
    let back: unknown;
    try { back = pyYamlLoad(c.out); } catch (e) { back = 'ERR ' + e; }
    if (canon(back) !== canon(c.load)) { if (badLoad++ < 8) console.log('LOAD', JSON.stringify(c.out).replace(/[\u2028\u2029]/g, (m) => m === '\u2028' ? '<LS>' : '<PS>'), '\n  got', canon(back)); }
  }
  console.log(f, 'dump mismatches', bad, 'load mismatches', badLoad, 'of', cases.length);
}
