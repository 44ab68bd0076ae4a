import type { PagedList } from '../entities.js';
import { AlreadyExistsError, MlflowServerError, NotFoundError } from '../errors.js';
import type { ModelVersion, ModelVersionStage, RegisteredModel } from '../registry/entities.js';
import { decodeModelVersion, decodeRegisteredModel, encodeTags } from '../registry/registry-wire.js';
import { MODEL_VERSIONS_MAX_RESULTS, REGISTERED_MODELS_MAX_RESULTS } from '../registry/registry-search.js';
import type { CreateModelVersionRequest, RegistrySearchRequest, RegistryStore } from '../registry/registry-store.js';
import { RestClient, type RequestOptions, type RestClientOptions } from './rest-client.js';

/**
 * The Model Registry of an MLflow server: `/api/2.0/mlflow/registered-models/*` and
 * `/model-versions/*`, with the methods and argument places MLflow's own REST store uses (GET
 * reads take query parameters; DELETEs carry a JSON body). Search, stages and alias rules are the
 * server's. RESOURCE_ALREADY_EXISTS answers become AlreadyExistsError and an unknown alias
 * NotFoundError, each with the server's MlflowServerError as `cause`; any other error keeps its
 * MLflow `errorCode`.
 */
export class RestRegistryStore implements RegistryStore {
  readonly displayUri: string;
  readonly client: RestClient;
  private readonly ownsClient: boolean;

  /** Pass a RestClient to share its connection pool (the tracking store's), or options for a new one. */
  constructor(clientOrOptions: RestClient | RestClientOptions) {
    this.ownsClient = !(clientOrOptions instanceof RestClient);
    this.client = clientOrOptions instanceof RestClient ? clientOrOptions : new RestClient(clientOrOptions);
    this.displayUri = this.client.baseUrl;
  }

  private async call<T = any>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', endpoint: string, opts: RequestOptions): Promise<T> {
    try {
      return await this.client.call<T>(method, endpoint, opts);
    } catch (err) {
      if (err instanceof MlflowServerError && (err.errorCode === 'RESOURCE_ALREADY_EXISTS' || err.errorCode === 'ALREADY_EXISTS')) {
        throw new AlreadyExistsError(err.message, { cause: err });
      }
      throw err;
    }
  }

  // ---- registered models ----

  async createRegisteredModel(name: string, opts: { tags?: Record<string, string>; description?: string } = {}): Promise<RegisteredModel> {
    const res = await this.call('POST', 'registered-models/create', { body: { name, tags: encodeTags(opts.tags), description: opts.description } });
    return decodeRegisteredModel(res.registered_model);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    const res = await this.call('GET', 'registered-models/get', { query: { name } });
    return decodeRegisteredModel(res.registered_model);
  }

  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    const res = await this.call('POST', 'registered-models/rename', { body: { name, new_name: newName } });
    return decodeRegisteredModel(res.registered_model);
  }

  async updateRegisteredModel(name: string, description: string): Promise<RegisteredModel> {
    const res = await this.call('PATCH', 'registered-models/update', { body: { name, description } });
    return decodeRegisteredModel(res.registered_model);
  }

  async deleteRegisteredModel(name: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete', { body: { name } });
  }

  async searchRegisteredModels(req: RegistrySearchRequest): Promise<PagedList<RegisteredModel>> {
    return this.search('registered-models/search', 'registered_models', req, REGISTERED_MODELS_MAX_RESULTS.default, decodeRegisteredModel);
  }

  async setRegisteredModelTag(name: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'registered-models/set-tag', { body: { name, key, value } });
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.call('DELETE', 'registered-models/delete-tag', { body: { name, key } });
  }

  // ---- model versions ----

  async createModelVersion(req: CreateModelVersionRequest): Promise<ModelVersion> {
    const res = await this.call('POST', 'model-versions/create', {
      body: {
        name: req.name,
        source: req.source,
        run_id: req.runId,
        tags: encodeTags(req.tags),
        run_link: req.runLink,
        description: req.description,
        model_id: req.modelId,
      },
    });
    return decodeModelVersion(res.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const res = await this.call('GET', 'model-versions/get', { query: { name, version } });
    return decodeModelVersion(res.model_version);
  }

  async updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion> {
    const res = await this.call('PATCH', 'model-versions/update', { body: { name, version, description } });
    return decodeModelVersion(res.model_version);
  }

  async deleteModelVersion(name: string, version: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete', { body: { name, version } });
  }

  async searchModelVersions(req: RegistrySearchRequest): Promise<PagedList<ModelVersion>> {
    return this.search('model-versions/search', 'model_versions', req, MODEL_VERSIONS_MAX_RESULTS.default, decodeModelVersion);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { body: { name, version, key, value } });
  }

  async deleteModelVersionTag(name: string, version: string, key: string): Promise<void> {
    await this.call('DELETE', 'model-versions/delete-tag', { body: { name, version, key } });
  }

  // ---- aliases ----

  async setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void> {
    await this.call('POST', 'registered-models/alias', { body: { name, alias, version } });
  }

  async deleteRegisteredModelAlias(name: string, alias: string): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { body: { name, alias } });
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    try {
      const res = await this.call('GET', 'registered-models/alias', { query: { name, alias } });
      return decodeModelVersion(res.model_version);
    } catch (err) {
      // MLflow answers an unknown alias with INVALID_PARAMETER_VALUE "Registered model alias X not found."
      if (err instanceof MlflowServerError && err.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(err.message)) {
        throw new NotFoundError(`Registered model alias ${alias} not found (model '${name}').`, { cause: err });
      }
      throw err;
    }
  }

  // ---- stages ----

  async transitionModelVersionStage(name: string, version: string, stage: ModelVersionStage, archiveExistingVersions: boolean): Promise<ModelVersion> {
    const res = await this.call('POST', 'model-versions/transition-stage', {
      body: { name, version, stage, archive_existing_versions: archiveExistingVersions },
    });
    return decodeModelVersion(res.model_version);
  }

  async getLatestVersions(name: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]> {
    const res = await this.call('POST', 'registered-models/get-latest-versions', { body: { name, stages } });
    return ((res.model_versions ?? []) as any[]).map(decodeModelVersion);
  }

  async getModelVersionDownloadUri(name: string, version: string): Promise<string> {
    const res = await this.call('GET', 'model-versions/get-download-uri', { query: { name, version } });
    return String(res.artifact_uri);
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  /** One page of a registry search: MLflow's query parameters, the list under `key`, and the next token. */
  private async search<T>(endpoint: string, key: string, req: RegistrySearchRequest, defaultMax: number, decode: (raw: any) => T): Promise<PagedList<T>> {
    const res = await this.call('GET', endpoint, {
      query: {
        filter: req.filter || undefined,
        max_results: req.maxResults ?? defaultMax,
        order_by: req.orderBy,
        page_token: req.pageToken || undefined,
      },
    });
    return { items: ((res[key] ?? []) as any[]).map(decode), nextPageToken: res.next_page_token || undefined };
  }
}
