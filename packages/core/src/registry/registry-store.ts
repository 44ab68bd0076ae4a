import type { PagedList } from '../entities.js';
import type { ModelVersion, ModelVersionStage, RegisteredModel } from './entities.js';

/**
 * The Model Registry contract, implemented by RestRegistryStore (an MLflow server's
 * `/api/2.0/mlflow/registered-models/*` and `model-versions/*`) and FileRegistryStore (the
 * `<mlruns>/models/` layout of MLflow's file registry).
 *
 * Callers (RunlogClient) validate names, versions, aliases and tags first; stores check them
 * again where a wrong value would reach a path. Versions are canonical decimal strings here.
 * Errors: NotFoundError for an unknown model, version or alias; AlreadyExistsError for a taken
 * name; InvalidArgumentError for input the registry refuses; MlflowServerError for any other
 * server answer (its `errorCode` is MLflow's).
 */
export interface RegistryStore {
  /** For messages: the registry URI. */
  readonly displayUri: string;

  createRegisteredModel(name: string, opts?: { tags?: Record<string, string>; description?: string }): Promise<RegisteredModel>;
  getRegisteredModel(name: string): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel>;
  updateRegisteredModel(name: string, description: string): Promise<RegisteredModel>;
  deleteRegisteredModel(name: string): Promise<void>;
  searchRegisteredModels(req: RegistrySearchRequest): Promise<PagedList<RegisteredModel>>;
  setRegisteredModelTag(name: string, key: string, value: string): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string): Promise<void>;

  createModelVersion(req: CreateModelVersionRequest): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  updateModelVersion(name: string, version: string, description: string): Promise<ModelVersion>;
  deleteModelVersion(name: string, version: string): Promise<void>;
  searchModelVersions(req: RegistrySearchRequest): Promise<PagedList<ModelVersion>>;
  setModelVersionTag(name: string, version: string, key: string, value: string): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string): Promise<void>;

  setRegisteredModelAlias(name: string, alias: string, version: string): Promise<void>;
  deleteRegisteredModelAlias(name: string, alias: string): Promise<void>;
  /** `latest` (any case) resolves to the highest version, as in MLflow. */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;

  transitionModelVersionStage(name: string, version: string, stage: ModelVersionStage, archiveExistingVersions: boolean): Promise<ModelVersion>;
  /** The latest version in each requested stage (all four when `stages` is empty or absent). */
  getLatestVersions(name: string, stages?: ModelVersionStage[]): Promise<ModelVersion[]>;
  /** Where the version's files are: the server's answer, or the file registry's `storage_location` (else `source`). */
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;

  close(): Promise<void>;
}

export interface CreateModelVersionRequest {
  name: string;
  source: string;
  runId?: string | undefined;
  tags?: Record<string, string> | undefined;
  runLink?: string | undefined;
  description?: string | undefined;
  /** MLflow 3: the LoggedModel this version comes from. */
  modelId?: string | undefined;
}

export interface RegistrySearchRequest {
  filter?: string | undefined;
  maxResults?: number | undefined;
  orderBy?: string[] | undefined;
  pageToken?: string | undefined;
}
