/**
 * `npm run bench`: speed and memory figures, printed as ratios against anchors measured in the same
 * run on the same machine. Not a test: nothing here asserts a timing.
 *   BENCH_STEPS  scales the tracking benchmark (default 100,000 steps x 10 keys = 1,000,000 points)
 *   BENCH_ONLY   comma-separated subset: tracking, models, tfjs-autolog, onnx-autolog, journal, serve,
 *                system-metrics, offline, artifacts, ui-search, ui-chart
 *   BENCH_UI_RUNS        store sizes of the ui-search, ui-chart benchmark (default 10000,2000)
 *   BENCH_OUTAGE_POINTS  points logged through the journal benchmark's outage (default 10,000,000)
 *   BENCH_ARTIFACT_MB    size of the artifact moved up and down by the artifacts benchmark (default 2048)
 *   BENCH_CHART_POINTS   points of the metric charted by the ui-chart benchmark (default 1,000,000)
 */
import { onnxAutologBench, onnxModelBench } from './onnx-autolog.bench.js';
import { serveBench } from './serve.bench.js';
import { tfjsAutologBench } from './tfjs-autolog.bench.js';
import { trackingBench } from './tracking.bench.js';
import { journalOutageBench } from './journal-outage.bench.js';
import { systemMetricsBench } from './system-metrics.bench.js';
import { offlineServerBench } from './offline-server.bench.js';
import { artifactsBench } from './artifacts.bench.js';
import { uiSearchBench } from './ui-search.bench.js';
import { uiChartBench } from './ui-chart.bench.js';

const steps = Number(process.env.BENCH_STEPS ?? 100_000);
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
const wanted = (name: string) => !only || only.includes(name);

console.log(`runlog benchmarks — node ${process.version}, ${new Date().toISOString()}`);
if (wanted('models')) await onnxModelBench();
if (wanted('onnx-autolog')) await onnxAutologBench();
if (wanted('tfjs-autolog')) await tfjsAutologBench();
if (wanted('tracking')) await trackingBench({ steps });
if (wanted('journal')) await journalOutageBench();
if (wanted('serve')) await serveBench();
if (wanted('system-metrics')) await systemMetricsBench();
if (wanted('offline')) await offlineServerBench();
if (wanted('artifacts')) await artifactsBench();
if (wanted('ui-search')) await uiSearchBench();
if (wanted('ui-chart')) await uiChartBench();
