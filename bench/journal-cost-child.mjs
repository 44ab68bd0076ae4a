// Child process of journal-outage.bench.ts (caller cost): logMetric median ns/call with a given
// durability against an in-process server that accepts everything. argv: <durability> <journalDir>.
import { createServer } from 'node:http';
import { RunlogClient } from '@runlog/core';

const [durability, journalDir] = process.argv.slice(2);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url.endsWith('/runs/create')) {
      res.end(JSON.stringify({ run: { info: { run_id: 'a'.repeat(32), run_name: 'r', experiment_id: '0', status: 'RUNNING', start_time: 1, artifact_uri: '', lifecycle_stage: 'active' }, data: {} } }));
    } else res.end('{}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const uri = `http://127.0.0.1:${server.address().port}`;
const client = new RunlogClient({ trackingUri: uri, durability, journal: { dir: journalDir }, onError: () => undefined });
const runId = (await client.createRun('0')).info.runId;
const KEYS = 10;
const keys = Array.from({ length: KEYS }, (_, k) => `metric_${k}`);
const samples = [];
let step = 0;
const reps = Number(process.env.BENCH_COST_REPS ?? 25);
for (let rep = 0; rep < reps; rep++) {
  const n = 200_000;
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) client.logMetric(runId, keys[i % KEYS], i * 0.5, { step: step++ });
  samples.push(Number(process.hrtime.bigint() - t) / n);
  await client.flush(120_000);
}
const ok = await client.close(60_000);
server.close();
const s = samples.slice(5).sort((a, b) => a - b);
console.log(JSON.stringify({ medianNs: s[s.length >> 1], ok }));
