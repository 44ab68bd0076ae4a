/**
 * MLflow's registry and logged-model read routes over a local store, plus the alias writes.
 * Logged models: the local store keeps models as run artifacts, so `logged-models/search` answers
 * an empty list and `logged-models/{id}` 404 until core's FileStore reads MLflow 3 LoggedModels.
 */
import type { FileRegistryStore, FileStore } from '@runlog/core/internal';
import { invalidParameter } from '../http/api-error.js';
import type { ApiHandlers } from '../http/api-handler.js';
import { encodeLoggedModel } from '../http/mlflow-json.js';
import { encodeModelVersion, encodeRegisteredModel } from '../http/registry-json.js';

const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

export function localRegistryHandlers(registry: FileRegistryStore, store: FileStore): ApiHandlers {
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
    'logged-models/search': async () => ({ models: [] }),
    'logged-models/{model_id}': async (_p, modelId) => ({ model: encodeLoggedModel(await store.getLoggedModel(modelId ?? '')) }),
  };
}
