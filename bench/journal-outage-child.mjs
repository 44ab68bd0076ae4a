// Child process of journal-outage.bench.ts: only @runlog/core (compiled dist, no TypeScript
// loader) is loaded, so the RSS it reports is what a training process pays for runlog.
// argv: <durability> <points> <journalDir> <deadUri>. Prints one JSON line.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RunlogClient } from '@runlog/core';

const [durability, pointsArg, journalDir, uri] = process.argv.slice(2);
const points = Number(pointsArg);
const KEYS = 10;
const client = new RunlogClient({ trackingUri: uri, durability, journal: { dir: journalDir }, onError: () => undefined });
// The journaled client starts its run offline; the memory-only client cannot create one, so it
// logs into a made-up run id.
const runId = durability === 'journal' ? (await client.createRun('0', { runName: 'outage' })).info.runId : 'f'.repeat(32);
const keys = Array.from({ length: KEYS }, (_, k) => `metric_${k}`);
const rssBefore = process.memoryUsage().rss;
let peak = rssBefore;
const started = process.hrtime.bigint();
for (let step = 0; step < points / KEYS; step++) {
  for (let k = 0; k < KEYS; k++) client.logMetric(runId, keys[k], step * 0.001 + k, { step });
  if (step % 10_000 === 0) {
    peak = Math.max(peak, process.memoryUsage().rss);
    // Let timers (group commits, retries) run, as they would between training steps.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
peak = Math.max(peak, process.memoryUsage().rss);
const { dropped } = client.stats();
let journalBytes = 0;
try {
  for (const e of readdirSync(journalDir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) journalBytes += statSync(join(e.parentPath ?? e.path, e.name)).size;
  }
} catch {
  // memory mode writes no journal
}
await client.close(0);
console.log(JSON.stringify({ rssBefore, peak, seconds, dropped, journalBytes }));
