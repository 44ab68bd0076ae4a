/**
 * Runs-table search benchmark (issue #14), BENCH_ONLY=ui-search. One generated local store per
 * size (BENCH_UI_RUNS, default "10000,2000"; kept between runs in the temp dir), each run with 4
 * params, 2-3 metrics of 20 points and 4 tags. The query is the runs table's: a filter on a param
 * and a metric, sorted by a metric, first page of 100.
 *   - runlog ui cold: startUiServer, then the first search over HTTP (includes the index's scan);
 *   - runlog ui warm: further searches over HTTP, each with a filter not seen before (no result
 *     cache helps), median; and the next page of a query already run (the cached path);
 *   - Python MLflow FileStore `search_runs` (the venv's python, MLFLOW_ALLOW_FILE_STORE=true,
 *     timed inside Python after imports): first call and the second;
 *   - runlog's own FileStore.searchRuns (core, no index) for reference.
 * Prints the times side by side and the ratios (targets: warm <= 50 ms at 10,000 runs; cold
 * faster than Python). Nothing is asserted.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startUiServer } from '@runlog/ui';
import { FileStore } from '@runlog/core/internal';
import { ensureMlflow, runPython } from '../test/support/mlflow-env.js';
import { makeUiStoreFixture } from '../test/support/ui-store-fixture.js';
import { line, median, ratio } from './stats.js';

const FILTER = "params.optimizer = 'adam' and metrics.loss < 0.5";
const ORDER = ['metrics.loss ASC'];
const PAGE = 100;
const WARM_QUERIES = 15;

const ms = (x: number) => `${x.toFixed(1)} ms`;

/** A generated store of `runs` runs, reused when a previous bench run completed it. */
async function benchStore(runs: number): Promise<{ rootDir: string; experimentIds: string[] }> {
  const rootDir = join(tmpdir(), `runlog-bench-ui-store-v1-${runs}`, 'mlruns');
  const marker = join(rootDir, '..', 'complete.json');
  if (existsSync(marker)) return { rootDir, experimentIds: JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(marker, 'utf8'))) };
  const { rm } = await import('node:fs/promises');
  await rm(join(rootDir, '..'), { recursive: true, force: true });
  const started = performance.now();
  const fx = await makeUiStoreFixture({ rootDir, runs, steps: 20, artifacts: false, concurrency: 16 });
  await fx.store.close();
  await writeFile(marker, JSON.stringify(fx.experimentIds));
  console.log(`  (generated ${runs.toLocaleString('en-US')} runs in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  return { rootDir, experimentIds: fx.experimentIds };
}

async function search(url: string, body: Record<string, unknown>): Promise<{ ms: number; runs: number; token?: string }> {
  const t0 = performance.now();
  const res = await fetch(`${url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = (await res.json()) as { runs?: unknown[]; next_page_token?: string };
  if (res.status !== 200) throw new Error(`runs/search answered ${res.status}: ${JSON.stringify(json)}`);
  return { ms: performance.now() - t0, runs: json.runs?.length ?? 0, token: json.next_page_token };
}

async function runlogUi(rootDir: string, experimentIds: string[]) {
  const t0 = performance.now();
  const ui = await startUiServer({ trackingUri: rootDir, port: 0, readOnly: true });
  try {
    const first = await search(ui.url, { experiment_ids: experimentIds, filter: FILTER, order_by: ORDER, max_results: PAGE });
    const cold = performance.now() - t0;
    const warm: number[] = [];
    for (let i = 0; i < WARM_QUERIES; i++) {
      // A new threshold each time: a fresh filter and sort, never a cached result.
      const filter = `params.optimizer = 'adam' and metrics.loss < ${(0.5 + i / 1000).toFixed(3)}`;
      warm.push((await search(ui.url, { experiment_ids: experimentIds, filter, order_by: ORDER, max_results: PAGE })).ms);
    }
    const paged: number[] = [];
    for (let i = 0; i < 5 && first.token; i++) {
      paged.push((await search(ui.url, { experiment_ids: experimentIds, filter: FILTER, order_by: ORDER, max_results: PAGE, page_token: first.token })).ms);
    }
    return { cold, warm: median(warm), paged: paged.length ? median(paged) : NaN, matches: first.runs };
  } finally {
    await ui.close();
  }
}

async function pythonFileStore(rootDir: string, experimentIds: string[]): Promise<{ cold: number; warm: number } | null> {
  const env = await ensureMlflow();
  if (!env) return null;
  const out = await runPython(
    env,
    `
import json, time
from mlflow.store.tracking.file_store import FileStore
from mlflow.entities import ViewType
store = FileStore(${JSON.stringify(rootDir)})
times = []
for i in range(2):
    t = time.perf_counter()
    store.search_runs(${JSON.stringify(experimentIds)}, ${JSON.stringify(FILTER)}, ViewType.ACTIVE_ONLY, max_results=${PAGE}, order_by=${JSON.stringify(ORDER)})
    times.append((time.perf_counter() - t) * 1000)
print(json.dumps(times))
`,
    { timeoutMs: 30 * 60_000 },
  );
  const times = out as number[];
  return { cold: times[0]!, warm: median(times.slice(1)) };
}

async function coreFileStore(rootDir: string, experimentIds: string[]): Promise<number> {
  const store = new FileStore(rootDir);
  const t0 = performance.now();
  await store.searchRuns({ experimentIds, filter: FILTER, orderBy: ORDER, maxResults: PAGE });
  const took = performance.now() - t0;
  await store.close();
  return took;
}

export async function uiSearchBench(): Promise<void> {
  const sizes = (process.env.BENCH_UI_RUNS ?? '10000,2000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  console.log('\nruns-table search (issue #14): filter + sort + first page of 100, local store');
  console.log(`  query: ${FILTER}  order by ${ORDER.join(', ')}`);
  for (const runs of sizes) {
    console.log(`\n  ${runs.toLocaleString('en-US')} runs`);
    const { rootDir, experimentIds } = await benchStore(runs);
    const ui = await runlogUi(rootDir, experimentIds);
    const py = await pythonFileStore(rootDir, experimentIds);
    const core = await coreFileStore(rootDir, experimentIds);
    line('runlog ui cold (start + scan + first search, HTTP)', ms(ui.cold), py ? `Python cold / runlog ui cold: ${ratio(py.cold, ui.cold)}` : '');
    line('runlog ui warm (new filter each, HTTP, median)', ms(ui.warm), py ? `Python warm / runlog ui warm: ${ratio(py.warm, ui.warm)}` : '');
    line('runlog ui next page of a query already run (median)', ms(ui.paged));
    if (py) {
      line('Python MLflow FileStore search_runs, first call', ms(py.cold));
      line('Python MLflow FileStore search_runs, second call', ms(py.warm));
    } else line('Python MLflow FileStore search_runs', 'skipped (no MLflow venv)');
    line('runlog core FileStore.searchRuns (no index)', ms(core), `vs runlog ui warm: ${ratio(core, ui.warm)}`);
    line('matching runs on the first page', String(ui.matches));
  }
}
