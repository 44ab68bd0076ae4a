import type { PagedList } from '../entities.js';
import { InvalidArgumentError } from '../errors.js';
import { compareByKeys } from '../search/compare.js';
import { compileFilter, own, type Getter } from '../search/evaluate.js';
import { errorReporter, parseFilter, resolveIdentifier, show, type FilterClause } from '../search/filter-parser.js';
import { tokenize } from '../search/filter-tokenizer.js';
import { paginate } from '../search/paginate.js';
import type { EntityType, SearchDialect } from '../search/search-dialect.js';
import type { ModelVersion, RegisteredModel } from './entities.js';
import type { RegistrySearchRequest } from './registry-store.js';

/**
 * Model Registry search for the file registry, as MLflow 3.18's `SearchModelUtils` and
 * `SearchModelVersionUtils` (mlflow/utils/search_utils.py) evaluate it:
 *
 * - registered models: `name` (= != LIKE ILIKE IN NOT IN) and `tags.<key>` (= != LIKE ILIKE);
 *   ordered by name, creation_timestamp or last_updated_timestamp (name ASC breaks ties; no
 *   order-by means name ASC); pages of 100 by default, at most 1000;
 * - model versions: `name`, `run_id` (also IN lists), `source_path` (the `source`),
 *   `version_number` (numeric comparisons) and `tags.<key>`; ordered by name, version_number,
 *   creation_timestamp, last_updated_timestamp (default `last_updated_timestamp DESC, name ASC,
 *   version_number DESC`); pages of 10,000 by default, at most 200,000. Deleted versions never match.
 *
 * Clauses join with AND; IS NULL is not supported (as in MLflow). Prompts (the
 * `mlflow.prompt.is_prompt = 'true'` tag MLflow's prompt registry sets) are left out, as MLflow does.
 */

const ENTITIES = new Map<string, EntityType>([
  ['attribute', 'attribute'],
  ['tag', 'tag'],
  ['tags', 'tag'],
]);

export const REGISTERED_MODEL_SEARCH: SearchDialect = {
  subject: 'registered models',
  entities: ENTITIES,
  filterAttributes: new Set(['name']),
  orderAttributes: new Set(['name', 'creation_timestamp', 'last_updated_timestamp']),
  numericAttributes: new Set(['creation_timestamp', 'last_updated_timestamp']),
  listAttributes: new Set(['name']),
  nullCheckEntities: new Set(),
  orderEntities: new Set<EntityType>(['attribute']),
  keyAliases: new Map(),
};

export const MODEL_VERSION_SEARCH: SearchDialect = {
  subject: 'model versions',
  entities: ENTITIES,
  filterAttributes: new Set(['name', 'version_number', 'run_id', 'source_path']),
  orderAttributes: new Set(['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp']),
  numericAttributes: new Set(['version_number', 'creation_timestamp', 'last_updated_timestamp']),
  listAttributes: new Set(['name', 'run_id']),
  nullCheckEntities: new Set(),
  orderEntities: new Set<EntityType>(['attribute']),
  keyAliases: new Map(),
};

export const REGISTERED_MODELS_MAX_RESULTS = { default: 100, max: 1000 } as const;
export const MODEL_VERSIONS_MAX_RESULTS = { default: 10_000, max: 200_000 } as const;

export const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';

/** Checks a page size against a registry limit; undefined gives the default. */
export function registryMaxResults(maxResults: number | undefined, limits: { default: number; max: number }): number {
  if (maxResults === undefined) return limits.default;
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    throw new InvalidArgumentError(`Invalid value for max_results. It must be a positive integer, but got ${maxResults}`);
  }
  if (maxResults > limits.max) {
    throw new InvalidArgumentError(`Invalid value for request parameter max_results. It must be at most ${limits.max}, but got value ${maxResults}`);
  }
  return maxResults;
}

interface OrderKey<T> {
  get: Getter<T>;
  ascending: boolean;
}

/** Parses one `<attribute> [ASC|DESC]` clause under `dialect`. */
function parseOrderClause(clause: string, dialect: SearchDialect): { key: string; ascending: boolean } {
  const fail = errorReporter(`order_by clause ${JSON.stringify(clause)}`);
  const [ident, direction, extra] = tokenize(clause, fail);
  if (ident === undefined || ident.kind !== 'ident') return fail(ident?.pos ?? 0, 'expected an attribute name');
  let ascending = true;
  if (direction !== undefined) {
    if (direction.word !== 'ASC' && direction.word !== 'DESC') return fail(direction.pos, `invalid ordering ${show(direction)} (use ASC or DESC)`);
    ascending = direction.word === 'ASC';
  }
  if (extra !== undefined) return fail(extra.pos, `unexpected ${show(extra)}`);
  const { entity, key } = resolveIdentifier(ident, dialect, dialect.orderAttributes, fail);
  if (entity !== 'attribute') fail(ident.pos, `${dialect.subject} can only be ordered by attributes`);
  return { key, ascending };
}


const RM_ATTRIBUTES: Readonly<Record<string, Getter<RegisteredModel>>> = {
  name: (m) => m.name,
  creation_timestamp: (m) => m.creationTimestamp,
  last_updated_timestamp: (m) => m.lastUpdatedTimestamp,
};

const MV_ATTRIBUTES: Readonly<Record<string, Getter<ModelVersion>>> = {
  name: (v) => v.name,
  version_number: (v) => Number(v.version),
  run_id: (v) => v.runId || undefined,
  source_path: (v) => v.source,
  creation_timestamp: (v) => v.creationTimestamp,
  last_updated_timestamp: (v) => v.lastUpdatedTimestamp,
};

function getterFor<T extends { tags: Record<string, string> }>(attrs: Readonly<Record<string, Getter<T>>>) {
  return (clause: FilterClause): Getter<T> => {
    if (clause.entity === 'tag') {
      const key = clause.key;
      return (item) => own(item.tags, key);
    }
    const get = attrs[clause.key];
    if (get === undefined) throw new InvalidArgumentError(`Unknown attribute '${clause.key}'.`);
    return get;
  };
}

const isPrompt = (item: { tags: Record<string, string> }): boolean => own(item.tags, IS_PROMPT_TAG)?.toString().toLowerCase() === 'true';

/** Filters, orders and pages registered models (see the module comment). */
export function applyRegisteredModelSearch(models: RegisteredModel[], req: RegistrySearchRequest): PagedList<RegisteredModel> {
  const maxResults = registryMaxResults(req.maxResults, REGISTERED_MODELS_MAX_RESULTS);
  const matches = compileFilter(parseFilter(req.filter ?? '', REGISTERED_MODEL_SEARCH), getterFor(RM_ATTRIBUTES));
  const clauses = (req.orderBy ?? []).map((c) => parseOrderClause(c, REGISTERED_MODEL_SEARCH));
  const keys: OrderKey<RegisteredModel>[] = clauses.map(({ key, ascending }) => ({ get: RM_ATTRIBUTES[key]!, ascending }));
  if (!clauses.some((c) => c.key === 'name')) keys.push({ get: RM_ATTRIBUTES.name!, ascending: true });
  const sorted = models.filter((m) => !isPrompt(m) && matches(m)).sort(compareByKeys(keys));
  return paginate(sorted, req.pageToken, maxResults);
}

const DEFAULT_VERSION_ORDER = ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];

/** Filters, orders and pages model versions (deleted ones already left out by the caller). */
export function applyModelVersionSearch(versions: ModelVersion[], req: RegistrySearchRequest): PagedList<ModelVersion> {
  const maxResults = registryMaxResults(req.maxResults, MODEL_VERSIONS_MAX_RESULTS);
  const matches = compileFilter(parseFilter(req.filter ?? '', MODEL_VERSION_SEARCH), getterFor(MV_ATTRIBUTES));
  const clauses = (req.orderBy !== undefined && req.orderBy.length > 0 ? req.orderBy : DEFAULT_VERSION_ORDER).map((c) =>
    parseOrderClause(c, MODEL_VERSION_SEARCH),
  );
  const keys: OrderKey<ModelVersion>[] = clauses.map(({ key, ascending }) => ({ get: MV_ATTRIBUTES[key]!, ascending }));
  if (!clauses.some((c) => c.key === 'name')) keys.push({ get: MV_ATTRIBUTES.name!, ascending: true });
  if (!clauses.some((c) => c.key === 'version_number')) keys.push({ get: MV_ATTRIBUTES.version_number!, ascending: false });
  const sorted = versions.filter((v) => !isPrompt(v) && matches(v)).sort(compareByKeys(keys));
  return paginate(sorted, req.pageToken, maxResults);
}
