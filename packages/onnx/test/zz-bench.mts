import * as ort from 'onnxruntime-node';
import '../src/index.ts';
import { saveModel, loadModel } from '@runlog/models';
import { mkdtemp } from 'node:fs/promises'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
const dir = join(await mkdtemp(join(tmpdir(), 'bench-')), 'm');
await saveModel('/work/main/test/fixtures/onnx-linear.onnx', dir);
const model = await loadModel(dir);
const fm = await import('../src/onnx-flavor.ts');
const flav = await fm.onnxFlavor.load(dir, model.mlmodel, {});
const bare = await ort.InferenceSession.create('/work/main/test/fixtures/onnx-linear.onnx');
const x = Float32Array.from({ length: 4 }, (_, i) => i);
const nested = [[0, 1, 2, 3]];
async function time(fn: () => Promise<unknown>, n = 20000) {
  for (let i = 0; i < 2000; i++) await fn();
  const s: number[] = [];
  for (let r = 0; r < 7; r++) { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) await fn(); s.push(Number(process.hrtime.bigint() - t0) / n / 1000); }
  s.sort((a, b) => a - b); return s[3]!;
}
const rows: Record<string, number> = {};
rows['bare session.run (ort.Tensor)'] = await time(() => bare.run({ x: new ort.Tensor('float32', x, [1, 4]) }));
rows['FlavorModel.run (TensorValue)'] = await time(() => flav.run({ x: { dtype: 'float32', dims: [1, 4], data: x } }));
rows['predictTensors (TensorValue)'] = await time(() => model.predictTensors({ x: { dtype: 'float32', dims: [1, 4], data: x } }));
rows['predict (nested arrays in/out)'] = await time(() => model.predict(nested));
rows['bare session.run again'] = await time(() => bare.run({ x: new ort.Tensor('float32', x, [1, 4]) }));
for (const [k, v] of Object.entries(rows)) console.log(k.padEnd(34), v.toFixed(2), 'µs');
