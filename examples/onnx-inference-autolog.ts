/**
 * ONNX inference with autologging: one `autolog()` line, then plain onnxruntime-node code. The
 * session gets a run of its own (there is no active run), tagged `mlflow.autologging=onnx`, with
 * the model's inputs, outputs, opset and execution providers as params, `model_load_ms`, and
 * inference figures every 10,000 calls (or 10 s): calls, rows per call, latency p50/p95/p99 and
 * throughput. `session.release()` logs the last window and ends the run.
 * Run: `npx tsx examples/onnx-inference-autolog.ts` (logs into ./mlruns).
 */
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { autolog, getTrackingUri, searchRuns, setExperiment, shutdown } from 'runlog';

autolog(); // synchronous: in place before the next line

const MODEL = fileURLToPath(new URL('../test/fixtures/onnx-linear.onnx', import.meta.url)); // x [N,4] -> y [N,3]

await setExperiment('onnx-inference');
const session = await ort.InferenceSession.create(MODEL);
for (let i = 0; i < 25_000; i++) {
  const rows = 1 + (i % 8);
  const x = new ort.Tensor('float32', Float32Array.from({ length: rows * 4 }, () => Math.random()), [rows, 4]);
  await session.run({ x });
}
await session.release(); // the last window, then the session's run ends FINISHED

const found = await searchRuns({
  experimentNames: ['onnx-inference'],
  filter: "tags.`mlflow.autologging` = 'onnx'",
  orderBy: ['attributes.start_time DESC'],
  maxResults: 1,
});
const run = found.items[0];
if (!run) throw new Error('no autologged run found: is onnxruntime-node installed?');
const m = run.data.metrics;
console.log(`run ${run.info.runId} (${run.info.status})`);
console.log(`  params: ${Object.keys(run.data.params).sort().join(', ')}`);
console.log(
  `  ${m.inference_calls} calls, ${m.inference_rows_per_call?.toFixed(2)} rows/call, p50 ${m.inference_latency_ms_p50?.toFixed(4)} ms, ` +
    `p99 ${m.inference_latency_ms_p99?.toFixed(4)} ms, ${Math.round(m.inference_throughput_rows_per_s ?? 0).toLocaleString('en-US')} rows/s (last window)`,
);
console.log(`tracking store: ${getTrackingUri()}`);
await shutdown();
