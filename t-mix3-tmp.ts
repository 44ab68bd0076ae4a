import { FileStore } from './packages/core/src/stores/file-store.js';
import { readFileSync } from 'node:fs';
const ids = JSON.parse(readFileSync('/tmp/fsref/mix/ids.json', 'utf8'));
const s = new FileStore('/tmp/fsref/mix/mlruns');
console.log((await s.getRun(ids.r)).info, (await s.getMetricHistory(ids.r, 'm')));
await s.logBatch(ids.r2, { metrics: [{ key: 'q', value: 4, timestamp: 8, step: 1 }], params: [], tags: [{ key: 'mlflow.runName', value: 'ts-renamed' }] });
await s.updateRun(ids.r2, { status: 'FINISHED', endTime: 100 });
try { await s.logBatch(ids.r, { metrics: [], params: [{ key: 'p', value: 'other' }], tags: [] }); } catch (e) { console.log(String(e)); }
await s.deleteRun(ids.r);
console.log((await s.getExperiment(ids.e)).tags);
