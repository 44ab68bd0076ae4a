// Child process of artifacts.bench.ts: only @runlog/core (compiled dist) is loaded, so its peak
// RSS is what a training process pays to move one artifact. argv: <mode> <uri> <arg>:
//   up <uri> <file>        create a run, logArtifact(file); prints {runId, peakRss, seconds}
//   down <uri> <runId:dst> downloadArtifacts(runId, 'big.bin', dst); prints {peakRss, seconds}
//   idle <uri> -           create a run only (the anchor: the same process without the transfer)
import { RunlogClient } from '@runlog/core';

const [mode, uri, arg] = process.argv.slice(2);
const client = new RunlogClient({ trackingUri: uri, durability: 'memory', onError: () => undefined });
let peak = process.memoryUsage().rss;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
const started = process.hrtime.bigint();
let runId = '';
if (mode === 'up' || mode === 'idle') {
  runId = (await client.createRun('0', { runName: 'artifact-bench' })).info.runId;
  if (mode === 'up') await client.logArtifact(runId, arg);
} else {
  const [id, dst] = arg.split(':');
  await client.downloadArtifacts(id, 'big.bin', dst);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
clearInterval(sampler);
// maxRSS (KiB) is the kernel's high-water mark, which catches peaks between samples.
const peakRss = Math.max(peak, process.resourceUsage().maxRSS * 1024);
await client.close(1000).catch(() => undefined);
console.log(JSON.stringify({ runId, peakRss, seconds }));
