/**
 * MLflow's Model Registry entities in camelCase (mlflow/protos/model_registry.proto). Timestamps
 * are Unix epoch milliseconds.
 *
 * `version` is a string everywhere, as on MLflow's wire (`ModelVersion.version` is a proto string)
 * and in `RegisteredModel.aliases`; it holds a decimal integer ("1", "2", ...). Methods that take
 * a version accept a number too.
 */

import { InvalidArgumentError } from '../errors.js';

/** The four stages (deprecated by MLflow since 2.9 in favour of aliases, still served in 3.x). */
export type ModelVersionStage = 'None' | 'Staging' | 'Production' | 'Archived';

/** The stages a model version can be in (MLflow's deprecated stages, still served). */
export const MODEL_VERSION_STAGES: readonly ModelVersionStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** Stages `getLatestVersions` and `archiveExistingVersions` treat as "active". */
export const ACTIVE_STAGES: readonly ModelVersionStage[] = ['Staging', 'Production'];

/** MLflow's internal marker for a deleted version in the file registry (never returned). */
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

/** OSS stores create versions READY at once; a server backed by another registry may report PENDING first. */
export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

/** A model version number as accepted by the API. */
export type VersionLike = string | number;

/** A version of a registered model. */
export interface ModelVersion {
  name: string;
  /** Decimal integer as a string, e.g. "3". */
  version: string;
  creationTimestamp?: number | undefined;
  lastUpdatedTimestamp?: number | undefined;
  userId?: string | undefined;
  currentStage: ModelVersionStage;
  description?: string | undefined;
  /** The URI the version was registered from (`runs:/…`, `models:/m-…`, an artifact URI). */
  source: string;
  runId?: string | undefined;
  runLink?: string | undefined;
  status: ModelVersionStatus;
  statusMessage?: string | undefined;
  tags: Record<string, string>;
  /** Aliases pointing at this version. */
  aliases: string[];
  /** MLflow 3: the LoggedModel this version was promoted from. */
  modelId?: string | undefined;
}

/** A registered model, with its aliases and latest versions. */
export interface RegisteredModel {
  name: string;
  creationTimestamp?: number | undefined;
  lastUpdatedTimestamp?: number | undefined;
  userId?: string | undefined;
  description?: string | undefined;
  /** The latest version in each stage (as MLflow's `latest_versions`). */
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
  /** alias → version. */
  aliases: Record<string, string>;
}

/**
 * MLflow's `get_canonical_stage`: case-insensitive input, canonical output. Throws
 * InvalidArgumentError for anything else.
 */
export function canonicalStage(stage: string): ModelVersionStage {
  const found = typeof stage === 'string' ? MODEL_VERSION_STAGES.find((s) => s.toLowerCase() === stage.toLowerCase()) : undefined;
  if (found === undefined) {
    throw new InvalidArgumentError(`Invalid Model Version stage: ${String(stage)}. Value must be one of ${MODEL_VERSION_STAGES.join(', ')}.`);
  }
  return found;
}
