import { FileStore } from './packages/core/src/stores/file-store.js';
import { pythonFloatRepr } from './packages/core/src/stores/file-store-format.js';
const s = new FileStore(process.argv[2]!);
const sortKeys = (v: unknown): unknown => Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, sortKeys(x)])) : v;
const exps = (await s.searchExperiments({ viewType: 'ALL' })).items;
const out: any = {};
out.experiments = exps.map((e) => ({ id: e.experimentId, name: e.name, artifact_location: e.artifactLocation, lifecycle_stage: e.lifecycleStage, creation_time: e.creationTime ?? null, last_update_time: e.lastUpdateTime ?? null, tags: e.tags })).sort((a, b) => (a.id < b.id ? -1 : 1));
out.search_experiments_active = (await s.searchExperiments({})).items.map((e) => e.experimentId);
const runs: any[] = [];
const order: any = {};
for (const e of exps) {
  order[e.experimentId] = (await s.searchRuns({ experimentIds: [e.experimentId] })).items.map((r) => r.info.runId);
  for (const r of (await s.searchRuns({ experimentIds: [e.experimentId], viewType: 'ALL' })).items) {
    const i = r.info;
    const g = await s.getRun(i.runId);
    const hist: any = {};
    for (const k of Object.keys(g.data.metrics)) hist[k] = (await s.getMetricHistory(i.runId, k)).map((m) => [m.timestamp, pythonFloatRepr(m.value), m.step]);
    const arts: any[] = [];
    const walk = async (p: string) => { for (const f of await s.listArtifacts(i.runId, p)) { arts.push([f.path, f.isDir, f.fileSize ?? null]); if (f.isDir) await walk(f.path); } };
    await walk('');
    runs.push({ info: { run_id: i.runId, run_name: i.runName, experiment_id: i.experimentId, user_id: i.userId, status: i.status, start_time: i.startTime, end_time: i.endTime ?? null, artifact_uri: i.artifactUri, lifecycle_stage: i.lifecycleStage },
      metrics: Object.fromEntries(Object.entries(g.data.metrics).map(([k, v]) => [k, pythonFloatRepr(v)])), params: g.data.params, tags: g.data.tags, history: hist, artifacts: arts });
  }
}
out.runs = runs.sort((a, b) => (a.info.run_id < b.info.run_id ? -1 : 1));
out.search_runs_active = order;
console.log(JSON.stringify(sortKeys(out), null, 1));
