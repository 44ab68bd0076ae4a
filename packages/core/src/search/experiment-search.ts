import type { Experiment, PagedList } from '../entities.js';
import { InvalidFilterError } from '../errors.js';
import { compareByKeys } from './compare.js';
import { compileFilter, own, type Getter } from './evaluate.js';
import { parseExperimentFilter, type FilterClause } from './filter-parser.js';
import { parseExperimentOrderBy, type OrderByClause } from './order-by.js';
import { paginate, resolveMaxResults } from './paginate.js';
import type { SearchRequest } from './run-search.js';

/** Default order of MLflow's FileStore `search_experiments` when no order-by is given. */
const DEFAULT_ORDER = ['creation_time DESC', 'experiment_id ASC'];

/**
 * Filters, orders and pages experiments as MLflow's FileStore `search_experiments` does.
 *
 * Filter: `name`, `experiment_id` (strings; `IN` lists for experiment_id only), `creation_time`,
 * `last_update_time` (numbers), `tags.<key>` (= != LIKE ILIKE IS NULL IS NOT NULL). An experiment
 * without a creation or update time (made before MLflow 1.29) matches `!=` on it, as Python's
 * `None != x` does in MLflow, and fails the other clauses on it (where MLflow raises a TypeError).
 * Order: by the clauses given, else creation_time DESC then experiment_id ASC; absent values come
 * last in either direction; if no clause names experiment_id, it breaks ties DESCENDING, compared
 * as strings — MLflow's own tiebreak, kept so both stores page the same.
 */
export function applyExperimentSearch(experiments: Experiment[], req: SearchRequest): PagedList<Experiment> {
  const maxResults = resolveMaxResults(req.maxResults);
  const matches = compileFilter(parseExperimentFilter(req.filter ?? ''), experimentFilterGetter, absentTimeIsNotEqual);
  const orderBy = req.orderBy !== undefined && req.orderBy.length > 0 ? req.orderBy : DEFAULT_ORDER;
  const order = experimentComparator(orderBy.map(parseExperimentOrderBy));
  return paginate(experiments.filter(matches).sort(order), req.pageToken, maxResults);
}

const EXPERIMENT_ATTRIBUTES: Readonly<Record<string, Getter<Experiment>>> = {
  name: (e) => e.name,
  experiment_id: (e) => e.experimentId,
  creation_time: (e) => e.creationTime ?? undefined,
  last_update_time: (e) => e.lastUpdateTime ?? undefined,
};

function attributeGetter(key: string): Getter<Experiment> {
  const get = EXPERIMENT_ATTRIBUTES[key];
  // The parser admits only the keys above, so this is a bug guard.
  if (get === undefined) throw new InvalidFilterError(`Unknown experiment attribute '${key}'.`);
  return get;
}

function experimentFilterGetter(clause: FilterClause): Getter<Experiment> {
  if (clause.entity === 'tag') {
    const key = clause.key;
    return (e) => own(e.tags, key);
  }
  return attributeGetter(clause.key);
}

function absentTimeIsNotEqual(clause: FilterClause): boolean {
  return clause.entity === 'attribute' && clause.comparator === '!=';
}

function experimentComparator(orderBy: readonly OrderByClause[]): (a: Experiment, b: Experiment) => number {
  const keys = orderBy.map((o) => ({ get: attributeGetter(o.key), ascending: o.ascending }));
  if (!orderBy.some((o) => o.key === 'experiment_id')) keys.push({ get: attributeGetter('experiment_id'), ascending: false });
  return compareByKeys(keys);
}
