import { readFileSync } from 'node:fs';
import { FileStore } from './packages/core/src/stores/file-store.js';
const d = JSON.parse(readFileSync('/tmp/fsref/interop/nasty.json', 'utf8'));
let t = 1700000000000;
const s = new FileStore(process.argv[2]!, { now: () => ++t });
const ids: Record<string, string> = {}, runs: Record<string, string> = {};
await s.getExperiment('0');
for (const e of d.experiments) ids[e.name] = await s.createExperiment(e.name, e.artifact_location, Object.entries(e.tags).map(([key, value]) => ({ key, value: value as string })));
let i = 0;
for (const r of d.runs) { const info = await s.createRun({ experimentId: ids[r.exp]!, startTime: 1700000100000 + i++, runName: r.name, userId: r.user, tags: [{ key: 'mlflow.user', value: r.user }] }); runs[r.name] = info.runId; }
for (const n of d.delete_runs) await s.deleteRun(runs[n]!);
for (const n of d.delete_experiments) await s.deleteExperiment(ids[n]!);
