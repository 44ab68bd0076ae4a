import type { PagedList, Run } from '../entities.js';
import { InvalidFilterError } from '../errors.js';
import { compareCodePoints, comparePresent } from './compare.js';
import { compileFilter, own, type Getter } from './evaluate.js';
import { parseRunFilter, type FilterClause } from './filter-parser.js';
import { parseRunOrderBy, type OrderByClause } from './order-by.js';
import { paginate, resolveMaxResults } from './paginate.js';
import type { EntityType } from './search-dialect.js';

export { applyExperimentSearch } from './experiment-search.js';

/**
 * A search over a local store's items, with MLflow's request fields.
 * `filter`: MLflow filter string (see filter-parser.ts); empty or absent matches everything.
 * `orderBy`: clauses such as "metrics.rmse DESC", applied in order.
 * `maxResults`: page size, 1..50000, default 1000 (else InvalidArgumentError).
 * `pageToken`: the previous page's `nextPageToken` (else InvalidArgumentError).
 */
export interface SearchRequest {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/**
 * Filters, orders and pages runs as MLflow's FileStore `search_runs` does.
 *
 * Order: the `orderBy` clauses in turn; within each, runs lacking the value come last and, for
 * metrics, NaN just before them, in both directions; then start_time DESC, then run_id ASC.
 * Throws InvalidFilterError for a bad filter or order-by, and for `datasets.*` filters, which
 * this store cannot evaluate (runs here carry no dataset inputs).
 */
export function applyRunSearch(runs: Run[], req: SearchRequest): PagedList<Run> {
  const maxResults = resolveMaxResults(req.maxResults);
  const matches = runSearchMatcher(req.filter);
  const order = runSearchOrder(req.orderBy);
  // filter() copies, so sorting never reorders the caller's array.
  return paginate(runs.filter(matches).sort(order), req.pageToken, maxResults);
}

/**
 * applyRunSearch's filter as a predicate (throws InvalidFilterError as it does). Filtering a list
 * already sorted by runSearchOrder gives applyRunSearch's result, in its order: an index can sort
 * once per order and filter each query without sorting again.
 */
export function runSearchMatcher(filter: string | undefined): (run: Run) => boolean {
  return compileFilter(parseRunFilter(filter ?? ''), runFilterGetter);
}

/** applyRunSearch's order as a comparator: a total order (run id is the last tiebreak). */
export function runSearchOrder(orderBy: readonly string[] | undefined): (a: Run, b: Run) => number {
  return runComparator((orderBy ?? []).map(parseRunOrderBy));
}

/**
 * Throws InvalidFilterError unless `filter` is a well-formed MLflow runs filter. `datasets.*`
 * clauses are well-formed (an MLflow server evaluates them) though applyRunSearch refuses them.
 */
export function validateRunFilter(filter: string): void {
  parseRunFilter(filter);
}

const RUN_ATTRIBUTES: Readonly<Record<string, Getter<Run>>> = {
  run_id: (run) => run.info.runId,
  run_name: (run) => run.info.runName,
  user_id: (run) => run.info.userId,
  status: (run) => run.info.status,
  start_time: (run) => run.info.startTime,
  // A run still going has no end time: it fails every end_time clause and sorts last.
  end_time: (run) => run.info.endTime ?? undefined,
  artifact_uri: (run) => run.info.artifactUri,
};

function runGetter(entity: EntityType, key: string): Getter<Run> {
  switch (entity) {
    case 'metric':
      return (run) => own(run.data.metrics, key);
    case 'param':
      return (run) => own(run.data.params, key);
    case 'tag':
      return (run) => own(run.data.tags, key);
    case 'attribute': {
      const get = RUN_ATTRIBUTES[key];
      // The parser admits only the keys above (aliases translated), so this is a bug guard.
      if (get === undefined) throw new InvalidFilterError(`Unknown run attribute '${key}'.`);
      return get;
    }
    case 'dataset':
      throw new InvalidFilterError(
        `Filtering on datasets.${key} is not supported by the local store: its runs carry no dataset inputs. ` +
          'Search through an MLflow tracking server for dataset filters.',
      );
  }
}

function runFilterGetter(clause: FilterClause): Getter<Run> {
  return runGetter(clause.entity, clause.key);
}

/** Rank of a sort value: present, then NaN, then absent, whatever the direction (MLflow's rule). */
function rank(v: string | number | undefined): number {
  if (v === undefined) return 2;
  return typeof v === 'number' && Number.isNaN(v) ? 1 : 0;
}

function runComparator(orderBy: readonly OrderByClause[]): (a: Run, b: Run) => number {
  const keys = orderBy.map((o) => ({ get: runGetter(o.entity, o.key), sign: o.ascending ? 1 : -1 }));
  return (a, b) => {
    for (const { get, sign } of keys) {
      const x = get(a);
      const y = get(b);
      const byRank = rank(x) - rank(y);
      if (byRank !== 0) return byRank;
      if (rank(x) === 0) {
        const c = comparePresent(x as string | number, y as string | number);
        if (c !== 0) return sign * c;
      }
    }
    // MLflow's natural order, the last tiebreak of every search.
    return b.info.startTime - a.info.startTime || compareCodePoints(a.info.runId, b.info.runId);
  };
}
