// The model registry routes: registered models, their versions and aliases.
import { deleteJson, getJson, MLFLOW_API, postJson } from './http.js';
import { nameFilter, sameName } from './name-filter.js';
import type { ModelVersion, RegisteredModel } from './types.js';

export async function searchRegisteredModels(): Promise<RegisteredModel[]> {
  const all: RegisteredModel[] = [];
  let pageToken: string | undefined;
  do {
    const page = await getJson<{ registered_models?: RegisteredModel[]; next_page_token?: string }>(
      `${MLFLOW_API}/registered-models/search`,
      { max_results: 1000, page_token: pageToken },
    );
    all.push(...(page.registered_models ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return all;
}

export async function getRegisteredModel(name: string): Promise<RegisteredModel> {
  return (await getJson<{ registered_model: RegisteredModel }>(`${MLFLOW_API}/registered-models/get`, { name }))
    .registered_model;
}

export async function searchModelVersions(name: string): Promise<ModelVersion[]> {
  const all: ModelVersion[] = [];
  let pageToken: string | undefined;
  do {
    const page = await getJson<{ model_versions?: ModelVersion[]; next_page_token?: string }>(
      `${MLFLOW_API}/model-versions/search`,
      { filter: nameFilter(name), max_results: 1000, page_token: pageToken },
    );
    all.push(...sameName(name, page.model_versions ?? []));
    pageToken = page.next_page_token || undefined;
  } while (pageToken);
  return all.sort((a, b) => Number(b.version) - Number(a.version));
}

export async function setAlias(name: string, alias: string, version: string): Promise<void> {
  await postJson(`${MLFLOW_API}/registered-models/alias`, { name, alias, version });
}

export async function deleteAlias(name: string, alias: string): Promise<void> {
  await deleteJson(`${MLFLOW_API}/registered-models/alias`, { name, alias });
}
