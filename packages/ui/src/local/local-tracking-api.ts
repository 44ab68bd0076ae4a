/**
 * MLflow's tracking routes answered over a local store: reads from the run index, writes through
 * core's FileStore (then the index re-reads the run at once).
 */
import type { FileStore } from '@runlog/core/internal';
import type { Run, ViewType } from '@runlog/core';
import { validateRunFilter } from '@runlog/core/internal';
import { invalidParameter, notFound } from '../http/api-error.js';
import type { ApiHandlers } from '../http/api-handler.js';
import type { ApiParams } from '../http/api-params.js';
import { encodeExperiment, encodeFileInfo, encodeMetric, encodeRun, encodeRunInfo } from '../http/mlflow-json.js';
import type { IndexedRun } from './run-reader.js';
import type { RunIndex } from './run-index.js';
import { IndexedRunSearch } from './run-search.js';
import { servedArtifactUri } from './served-artifact-uri.js';
import { bulkIntervalSample } from './bulk-interval.js';
import type { MetricHistoryCache } from './metric-history-cache.js';

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
const STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
const NOTE_TAG = 'mlflow.note.content';

export interface LocalTrackingDeps {
  store: FileStore;
  index: RunIndex;
  histories: MetricHistoryCache;
}

export function localTrackingHandlers({ store, index, histories }: LocalTrackingDeps): ApiHandlers {
  const search = new IndexedRunSearch(index);
  // A run's wire JSON, kept while its index entry lives (a re-read makes a new entry): the runs
  // table asks for the same runs again and again. Never modified after it is made.
  const encoded = new WeakMap<IndexedRun, Record<string, unknown>>();
  const encode = (r: IndexedRun) => {
    let json = encoded.get(r);
    if (!json) {
      const run: Run = { info: { ...r.run.info, artifactUri: servedArtifactUri(store.rootDir, r.run.info.artifactUri) }, data: r.run.data };
      json = encodeRun(run, r.latest, r.datasetInputs, r.modelInputs);
      encoded.set(r, json);
    }
    return json;
  };
  const runIdOf = (p: ApiParams) => p.string('run_id') || p.string('run_uuid', true);
  const requireRun = async (runId: string): Promise<IndexedRun> => {
    const run = await index.get(runId);
    if (!run) throw notFound(`Run '${runId}' not found`);
    return run;
  };
  const afterWrite = async (runId: string) => {
    await index.reload(runId);
    return {};
  };

  return {
    'experiments/search': async (p) => {
      const page = await store.searchExperiments({
        filter: p.string('filter'),
        viewType: p.oneOf('view_type', VIEW_TYPES, 'ACTIVE_ONLY'),
        maxResults: p.integer('max_results', { min: 1, max: 50_000 }),
        orderBy: p.strings('order_by'),
        pageToken: p.string('page_token'),
      });
      return { experiments: page.items.map(encodeExperiment), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    },
    'experiments/get': async (p) => ({ experiment: encodeExperiment(await store.getExperiment(p.string('experiment_id', true))) }),
    'experiments/get-by-name': async (p) => {
      const name = p.string('experiment_name', true);
      const exp = await store.findExperimentByName(name);
      if (!exp) throw notFound(`Could not find experiment with name '${name}'`);
      return { experiment: encodeExperiment(exp) };
    },

    'runs/search': async (p) => {
      const filter = p.string('filter');
      if (filter) validateRunFilter(filter);
      const page = await search.search({
        experimentIds: p.strings('experiment_ids'),
        filter,
        orderBy: p.strings('order_by'),
        viewType: p.oneOf('run_view_type', VIEW_TYPES, 'ACTIVE_ONLY'),
        maxResults: p.integer('max_results', { min: 1, max: 50_000 }),
        pageToken: p.string('page_token'),
      });
      return { runs: page.items.map(encode), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
    },
    'runs/get': async (p) => {
      const run = await requireRun(runIdOf(p));
      // The run page asks for this run's charts next: start reading their histories now.
      void histories.prefetch(run.run.info.runId, Object.keys(run.run.data.metrics));
      return { run: encode(run) };
    },
    'runs/update': async (p) => {
      const runId = runIdOf(p);
      const status = p.string('status');
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw invalidParameter(`Invalid run status '${status}'.`);
      const info = await store.updateRun(runId, {
        status: status as (typeof STATUSES)[number] | undefined,
        endTime: p.integer('end_time', { min: 0 }),
        runName: p.string('run_name') || undefined,
      });
      await index.reload(runId);
      return { run_info: encodeRunInfo({ ...info, artifactUri: servedArtifactUri(store.rootDir, info.artifactUri) }) };
    },
    'runs/set-tag': async (p) => {
      const runId = runIdOf(p);
      const key = p.string('key', true);
      const value = p.string('value') ?? '';
      await store.logBatch(runId, { metrics: [], params: [], tags: [{ key, value }] });
      return afterWrite(runId);
    },
    'runs/delete-tag': async (p) => {
      const runId = p.string('run_id', true);
      await store.deleteTag(runId, p.string('key', true));
      return afterWrite(runId);
    },
    'runs/delete': async (p) => {
      const runId = p.string('run_id', true);
      await store.deleteRun(runId);
      return afterWrite(runId);
    },
    'runs/restore': async (p) => {
      const runId = p.string('run_id', true);
      await store.restoreRun(runId);
      return afterWrite(runId);
    },

    'metrics/get-history': async (p) => {
      const runId = runIdOf(p);
      const key = p.string('metric_key', true);
      await requireRun(runId);
      const history = await histories.get(runId, key);
      const maxResults = p.integer('max_results', { min: 1 });
      const token = p.string('page_token');
      const start = token ? Number(Buffer.from(token, 'base64').toString('utf8')) : 0;
      if (!Number.isSafeInteger(start) || start < 0) throw invalidParameter(`Invalid page token ${JSON.stringify(token)}.`);
      const end = maxResults === undefined ? history.length : Math.min(history.length, start + maxResults);
      const metrics = [];
      for (let i = start; i < end; i++) metrics.push(encodeMetric(history.point(i)));
      return { metrics, ...(end < history.length ? { next_page_token: Buffer.from(String(end)).toString('base64') } : {}) };
    },
    'metrics/get-history-bulk-interval': async (p) => {
      const runIds = p.strings('run_ids');
      const key = p.string('metric_key', true);
      if (runIds.length === 0) throw invalidParameter("Missing value for required parameter 'run_ids'.");
      if (runIds.length > 100) throw invalidParameter('GetMetricHistoryBulkInterval request must specify at most 100 run_ids.');
      const maxResults = p.integer('max_results', { min: 1, max: 2500 }) ?? 2500;
      const startStep = p.integer('start_step');
      const endStep = p.integer('end_step');
      if ((startStep === undefined) !== (endStep === undefined)) throw invalidParameter('If either start step or end step are specified, both must be specified.');
      const metrics = [];
      for (const runId of runIds) {
        await requireRun(runId);
        const history = await histories.get(runId, key);
        for (const m of bulkIntervalSample(history, maxResults, startStep, endStep)) metrics.push({ ...encodeMetric(m), run_id: runId });
      }
      return { metrics };
    },

    'artifacts/list': async (p) => {
      const run = await requireRun(runIdOf(p));
      const files = await store.listArtifacts(run.run.info.runId, p.string('path') ?? '');
      return { root_uri: servedArtifactUri(store.rootDir, run.run.info.artifactUri), files: files.map(encodeFileInfo) };
    },
  };
}

export { NOTE_TAG };
