import * as ort from 'onnxruntime-node';
import { SessionRecorder } from '../packages/onnx/src/session-recorder.js';
import { median } from './stats.js';
const s = await ort.InferenceSession.create('test/fixtures/onnx-linear.onnx');
const feeds = { x: new ort.Tensor('float32', Float32Array.from([1,2,3,4]), [1, 4]) };
const orig = ort.InferenceSession.prototype.run as any;
const rec = new SessionRecorder({ logEveryNCalls: 1_000_000_000, logEveryMs: 1e9 });
rec.sink = () => {};
const recAll = new SessionRecorder({ logEveryNCalls: 1_000_000_000, logEveryMs: 1e9 });
recAll.sink = () => {};
(rec as any).timedEvery = 7;
function mk(r: SessionRecorder, mode: string) {
  return function run(this: any, f: any, a?: any, b?: any): any {
    if (mode === 'pass') return orig.call(this, f, a, b);
    let timed = false;
    try { timed = r.enter(1); } catch {}
    if (!timed) return orig.call(this, f, a, b);
    const start = r.now();
    const result = orig.call(this, f, a, b);
    if (!(result instanceof Promise)) return result;
    return result.then((o: any) => { try { r.done(start); } catch {} return o; });
  };
}
const variants: Record<string, any> = { bare: orig, pass: mk(rec, 'pass'), sampled7: mk(rec, 's'), all: mk(recAll, 's') };
const names = Object.keys(variants);
const ratios: Record<string, number[]> = {}; for (const n of names) ratios[n] = [];
for (let rep = 0; rep < 40; rep++) {
  const t: Record<string, number> = {};
  for (let k = 0; k < names.length; k++) { const n = names[(k + rep) % names.length]!; const fn = variants[n]; const t0 = performance.now(); for (let i = 0; i < 2000; i++) await fn.call(s, feeds); t[n] = (performance.now() - t0) / 2000 * 1000; }
  if (rep >= 3) for (const n of names) ratios[n]!.push(t[n]! / t.bare!);
}
for (const n of names) console.log(n.padEnd(10), ((median(ratios[n]!) - 1) * 100).toFixed(2) + '%');
console.log('timedEvery', rec.timedOneIn, recAll.timedOneIn);
