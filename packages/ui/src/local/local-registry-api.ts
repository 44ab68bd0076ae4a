/**
 * MLflow's registry and logged-model read routes over a local store, plus the alias writes.
 * A logged model's artifact_uri inside the store is served as `mlflow-artifacts:/…`, like a
 * run's, so its files (MLmodel, signature, input example) come through the artifact proxy.
 */
import type { FileRegistryStore, FileStore } from '@runlog/core/internal';
import { invalidParameter } from '../http/api-error.js';
import type { ApiHandlers } from '../http/api-handler.js';
import { encodeLoggedModel } from '../http/mlflow-json.js';
import type { LoggedModel, LoggedModelOrderBy } from '@runlog/core';
import { servedArtifactUri } from './served-artifact-uri.js';
import { encodeModelVersion, encodeRegisteredModel } from '../http/registry-json.js';

const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

/** A list of JSON objects (logged-model search's datasets and order_by), else 400. */
function objects(value: unknown, name: string): Array<Record<string, unknown>> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => v === null || typeof v !== 'object' || Array.isArray(v))) {
    throw invalidParameter(`Invalid value for parameter '${name}': expected a list of objects.`);
  }
  return value as Array<Record<string, unknown>>;
}

export function localRegistryHandlers(registry: FileRegistryStore, store: FileStore): ApiHandlers {
  const encodeModel = (m: LoggedModel) => encodeLoggedModel({ ...m, artifactUri: servedArtifactUri(store.rootDir, m.artifactUri) });
  const page = (token: string | undefined) => (token ? { next_page_token: token } : {});
  return {
    'registered-models/search': async (p) => {
      const res = await registry.searchRegisteredModels({
        filter: p.string('filter'),
        maxResults: p.integer('max_results', { min: 1, max: 1000 }),
        orderBy: p.strings('order_by'),
        pageToken: p.string('page_token'),
      });
      return { registered_models: res.items.map(encodeRegisteredModel), ...page(res.nextPageToken) };
    },
    'registered-models/get': async (p) => ({ registered_model: encodeRegisteredModel(await registry.getRegisteredModel(p.string('name', true))) }),
    'registered-models/get-latest-versions': async (p) => {
      const stages = p.strings('stages').map((s) => {
        const found = STAGES.find((x) => x.toLowerCase() === s.toLowerCase());
        if (!found) throw invalidParameter(`Invalid Model Version stage: ${s}.`);
        return found;
      });
      return { model_versions: (await registry.getLatestVersions(p.string('name', true), stages)).map(encodeModelVersion) };
    },
    'model-versions/search': async (p) => {
      const res = await registry.searchModelVersions({
        filter: p.string('filter'),
        maxResults: p.integer('max_results', { min: 1, max: 200_000 }),
        orderBy: p.strings('order_by'),
        pageToken: p.string('page_token'),
      });
      return { model_versions: res.items.map(encodeModelVersion), ...page(res.nextPageToken) };
    },
    'model-versions/get': async (p) => ({
      model_version: encodeModelVersion(await registry.getModelVersion(p.string('name', true), p.string('version', true))),
    }),
    'registered-models/alias': {
      GET: async (p) => ({ model_version: encodeModelVersion(await registry.getModelVersionByAlias(p.string('name', true), p.string('alias', true))) }),
      POST: async (p) => {
        await registry.setRegisteredModelAlias(p.string('name', true), p.string('alias', true), p.string('version', true));
        return {};
      },
      DELETE: async (p) => {
        await registry.deleteRegisteredModelAlias(p.string('name', true), p.string('alias', true));
        return {};
      },
    },
    'logged-models/search': async (p) => {
      const res = await store.searchLoggedModels({
        experimentIds: p.strings('experiment_ids'),
        filter: p.string('filter'),
        datasets: objects(p.raw('datasets'), 'datasets').map((d) => ({ datasetName: String(d.dataset_name ?? ''), datasetDigest: d.dataset_digest === undefined ? undefined : String(d.dataset_digest) })),
        orderBy: objects(p.raw('order_by'), 'order_by').map(
          (o): LoggedModelOrderBy => ({
            fieldName: String(o.field_name ?? ''),
            ascending: o.ascending === undefined ? undefined : Boolean(o.ascending),
            datasetName: o.dataset_name === undefined ? undefined : String(o.dataset_name),
            datasetDigest: o.dataset_digest === undefined ? undefined : String(o.dataset_digest),
          }),
        ),
        maxResults: p.integer('max_results', { min: 1, max: 50_000 }),
        pageToken: p.string('page_token'),
      });
      return { models: res.items.map(encodeModel), ...page(res.nextPageToken) };
    },
    'logged-models/{model_id}': async (_p, modelId) => ({ model: encodeModel(await store.getLoggedModel(modelId ?? '')) }),
  };
}
