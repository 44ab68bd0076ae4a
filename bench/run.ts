/**
 * `npm run bench`: speed and memory figures, printed as ratios against anchors measured in the same
 * run on the same machine. Not a test: nothing here asserts a timing. BENCH_STEPS scales the
 * tracking benchmark (default 100,000 steps x 10 keys = 1,000,000 points).
 */
import { trackingBench } from './tracking.bench.js';

const steps = Number(process.env.BENCH_STEPS ?? 100_000);
console.log(`runlog benchmarks — node ${process.version}, ${new Date().toISOString()}`);
await trackingBench({ steps });
