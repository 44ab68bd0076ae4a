import { FileStore } from './packages/core/src/stores/file-store.js';
import { writeFileSync } from 'node:fs';
const s = new FileStore('/tmp/fsref/mix/mlruns');
const e = await s.createExperiment('mixed');
const r = await s.createRun({ experimentId: e, startTime: 1, tags: [], runName: 'ts-run' });
await s.logBatch(r.runId, { metrics: [{ key: 'm', value: 1, timestamp: 5, step: 0 }], params: [{ key: 'p', value: 'v' }], tags: [] });
writeFileSync('/tmp/fsref/mix/ids.json', JSON.stringify({ e, r: r.runId }));
