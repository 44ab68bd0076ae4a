import type { LoggedModel, LoggedModelMetric, LoggedModelOrderBy, LoggedModelStatus, PagedList } from '../entities.js';
import { InvalidFilterError } from '../errors.js';
import type { SearchLoggedModelsRequest } from '../store.js';
import { compareByKeys, type SortKey } from './compare.js';
import { compileFilter, own, type Getter } from './evaluate.js';
import { parseFilter, type FilterClause } from './filter-parser.js';
import { paginate } from './paginate.js';
import { ENTITY_PREFIXES, type EntityType, type SearchDialect } from './search-dialect.js';

/** MLflow's default page size of `search_logged_models`. */
export const SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT = 100;

const NUMERIC = ['creation_timestamp', 'creation_time', 'last_updated_timestamp', 'last_updated_time'];
const ATTRIBUTES = ['name', 'model_id', 'model_type', 'status', 'source_run_id', ...NUMERIC];

/** What MLflow 3.18's `SearchLoggedModelsUtils` accepts in a filter (mlflow/utils/search_utils.py). */
export const LOGGED_MODEL_SEARCH: SearchDialect = {
  subject: 'logged models',
  entities: new Map<string, EntityType>(ENTITY_PREFIXES),
  filterAttributes: new Set(ATTRIBUTES),
  orderAttributes: new Set(ATTRIBUTES),
  numericAttributes: new Set(NUMERIC),
  listAttributes: new Set(),
  nullCheckEntities: new Set<EntityType>(),
  orderEntities: new Set<EntityType>(['metric', 'attribute']),
  keyAliases: new Map([
    ['creation_time', 'creation_timestamp'],
    ['last_updated_time', 'last_updated_timestamp'],
  ]),
};

/** The status word MLflow's filter compares against (`status = 'READY'`). */
export function statusWord(status: LoggedModelStatus): string {
  switch (status) {
    case 'LOGGED_MODEL_PENDING':
      return 'PENDING';
    case 'LOGGED_MODEL_READY':
      return 'READY';
    case 'LOGGED_MODEL_UPLOAD_FAILED':
      return 'FAILED';
    default:
      return 'UNSPECIFIED';
  }
}

const ATTRIBUTE_GETTERS: Readonly<Record<string, Getter<LoggedModel>>> = {
  name: (m) => m.name,
  model_id: (m) => m.modelId,
  model_type: (m) => m.modelType,
  status: (m) => statusWord(m.status),
  source_run_id: (m) => m.sourceRunId,
  creation_timestamp: (m) => m.creationTimestampMs,
  last_updated_timestamp: (m) => m.lastUpdatedTimestampMs,
};

type DatasetFilter = NonNullable<SearchLoggedModelsRequest['datasets']>[number];

function onDataset(m: LoggedModelMetric, d: { datasetName?: string | undefined; datasetDigest?: string | undefined }): boolean {
  return (!d.datasetName || m.datasetName === d.datasetName) && (!d.datasetDigest || m.datasetDigest === d.datasetDigest);
}

function attribute(key: string): Getter<LoggedModel> {
  const get = ATTRIBUTE_GETTERS[key];
  if (get === undefined) throw new InvalidFilterError(`Invalid logged model search key '${key}'.`);
  return get;
}

/**
 * Filters, orders and pages logged models as MLflow's FileStore `search_logged_models` does:
 * every clause must hold (a metric clause reads the first point of that key, on one of `datasets`
 * when given); with `datasets` and no metric clause, a model needs a metric on one of them. Order:
 * the given fields, then creation_timestamp descending and model_id ascending as tiebreaks; a
 * metric orders by its latest point (by timestamp), absent values last.
 */
export function applyLoggedModelSearch(models: LoggedModel[], req: SearchLoggedModelsRequest): PagedList<LoggedModel> {
  const datasets = req.datasets ?? [];
  if (datasets.some((d) => !d.datasetName)) throw new InvalidFilterError('`dataset_name` in the `datasets` clause must be specified.');
  const clauses = parseFilter(req.filter ?? '', LOGGED_MODEL_SEARCH);
  const matches = compileFilter(clauses, (clause) => filterGetter(clause, datasets));
  let found = models.filter(matches);
  if (datasets.length > 0 && !clauses.some((c) => c.entity === 'metric')) {
    found = found.filter((m) => (m.metrics ?? []).some((p) => datasets.some((d) => onDataset(p, d))));
  }
  found.sort(compareByKeys(sortKeys(req.orderBy ?? [])));
  return paginate(found, req.pageToken, req.maxResults ?? SEARCH_LOGGED_MODELS_MAX_RESULTS_DEFAULT);
}

function filterGetter(clause: FilterClause, datasets: readonly DatasetFilter[]): Getter<LoggedModel> {
  const key = clause.key;
  switch (clause.entity) {
    case 'metric':
      return (m) =>
        (m.metrics ?? []).find((p) => p.key === key && (datasets.length === 0 || datasets.some((d) => onDataset(p, d))))?.value;
    case 'param':
      return (m) => own(m.params, key);
    case 'tag':
      return (m) => own(m.tags, key);
    default:
      return attribute(key);
  }
}

function sortKeys(orderBy: readonly LoggedModelOrderBy[]): SortKey<LoggedModel>[] {
  const keys: SortKey<LoggedModel>[] = [];
  const names = new Set<string>();
  for (const o of orderBy) {
    if (typeof o?.fieldName !== 'string') throw new InvalidFilterError('`field_name` in the `order_by` clause must be specified.');
    if (o.datasetDigest && !o.datasetName) {
      throw new InvalidFilterError('`dataset_digest` can only be specified if `dataset_name` is also specified.');
    }
    const ascending = o.ascending ?? true;
    const dot = o.fieldName.indexOf('.');
    if (dot !== -1) {
      const entity = o.fieldName.slice(0, dot);
      if (entity !== 'metrics') throw new InvalidFilterError(`Invalid order by field name: ${entity}, only \`metrics.<name>\` is allowed.`);
      const metric = o.fieldName.slice(dot + 1);
      keys.push({ ascending, get: (m) => latestByTime((m.metrics ?? []).filter((p) => p.key === metric && onDataset(p, o)))?.value });
      continue;
    }
    const field = o.fieldName.trim();
    if (!LOGGED_MODEL_SEARCH.orderAttributes.has(field)) throw new InvalidFilterError(`Invalid order by field name: ${field}.`);
    const name = LOGGED_MODEL_SEARCH.keyAliases.get(field) ?? field;
    names.add(name);
    keys.push({ ascending, get: attribute(name) });
  }
  if (!names.has('creation_timestamp')) keys.push({ ascending: false, get: attribute('creation_timestamp') });
  if (!names.has('model_id')) keys.push({ ascending: true, get: attribute('model_id') });
  return keys;
}

function latestByTime(points: readonly LoggedModelMetric[]): LoggedModelMetric | undefined {
  let best: LoggedModelMetric | undefined;
  for (const p of points) if (best === undefined || p.timestamp > best.timestamp) best = p;
  return best;
}
