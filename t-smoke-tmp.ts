import { FileStore } from './packages/core/src/stores/file-store.js';
import { writeFileSync } from 'node:fs';
const s = new FileStore('/tmp/fsref/js/mlruns');
const eid = await s.createExperiment('exp-one', undefined, [{ key: 'team', value: 'a' }, { key: 'n', value: '0' }]);
const info = await s.createRun({ experimentId: eid, startTime: 1700000000000, tags: [{ key: 'k', value: 'v' }] });
const rid = info.runId;
await s.logBatch(rid, {
  params: [{ key: 'lr', value: '0.1' }, { key: 'empty', value: '' }, { key: 'num', value: '0' }, { key: 'uni', value: 'héllo ✓\nline2' }],
  metrics: [1.0, 0.5, 1e-05, 1e16, NaN, Infinity, -Infinity, 123456789012345.0, 3, -0, 1.5e300, 0.1 + 0.2].map((v) => ({ key: 'm', value: v, timestamp: 1700000000000, step: 2 }))
    .concat([{ key: 'a/b/c', value: 2.5, timestamp: 1700000000001, step: 0 }]),
  tags: [{ key: 'x', value: 'yes' }, { key: 'empty', value: '' }],
});
await s.updateRun(rid, { status: 'FINISHED', endTime: 1700000001000 });
const child = await s.createRun({ experimentId: eid, startTime: 1700000000500, runName: 'child', tags: [{ key: 'mlflow.parentRunId', value: rid }] });
await s.deleteRun(child.runId);
const r3 = await s.createRun({ experimentId: '0', startTime: 1700000000600, tags: [] });
const e2 = await s.createExperiment('to-delete', undefined, [{ key: 'team', value: 'b' }]);
await s.createRun({ experimentId: e2, startTime: 1700000000700, tags: [] });
await s.deleteExperiment(e2);
writeFileSync('/tmp/fsref/js/f.txt', 'hello');
await s.logArtifact(rid, '/tmp/fsref/js/f.txt', 'dir/sub');
await s.putArtifact(rid, 'bin.dat', new Uint8Array([0, 1, 2, 255]));
console.log(JSON.stringify({ eid, rid, child: child.runId, r3: r3.runId, e2 }));
console.log(JSON.stringify(await s.getRun(rid), null, 1));
console.log((await s.getMetricHistory(rid, 'm')).map((m) => m.value));
console.log(await s.listArtifacts(rid, ''), await s.listArtifacts(rid, 'dir'));
