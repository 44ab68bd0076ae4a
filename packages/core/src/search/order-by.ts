import type { LexErrorReporter } from './filter-tokenizer.js';
import { tokenize } from './filter-tokenizer.js';
import { errorReporter, resolveIdentifier, show } from './filter-parser.js';
import { EXPERIMENT_SEARCH, RUN_SEARCH, type EntityType, type SearchDialect } from './search-dialect.js';

/** One parsed order-by clause: `metrics.rmse DESC` → { entity: 'metric', key: 'rmse', ascending: false }. */
export interface OrderByClause {
  entity: EntityType;
  /** Key with quotes removed and aliases translated (`created` → `start_time`). */
  key: string;
  ascending: boolean;
}

/**
 * Parses one runs order-by clause: `<identifier> [ASC|DESC]` (case-insensitive direction, ASC by
 * default). Identifiers follow the filter rules; attributes are those MLflow lets runs be ordered
 * by, `created` included and the "run name" spellings not. Datasets cannot order runs.
 */
export function parseRunOrderBy(clause: string): OrderByClause {
  return parseOrderBy(clause, RUN_SEARCH);
}

/** Parses one experiments order-by clause: name, experiment_id, creation_time or last_update_time. */
export function parseExperimentOrderBy(clause: string): OrderByClause {
  return parseOrderBy(clause, EXPERIMENT_SEARCH);
}

function parseOrderBy(clause: string, dialect: SearchDialect): OrderByClause {
  const fail: LexErrorReporter = errorReporter(`order_by clause ${JSON.stringify(clause)}`);
  const tokens = tokenize(clause, fail);
  const [ident, direction, extra] = tokens;
  const shape = "one clause is '<identifier> [ASC|DESC]'; pass each clause as its own array element";
  if (ident === undefined) return fail(0, 'expected an identifier such as metrics.<key>, found nothing');
  if (ident.kind !== 'ident') return fail(ident.pos, `expected an identifier, found ${show(ident)}`);
  let ascending = true;
  if (direction !== undefined) {
    if (direction.kind !== 'ident') return fail(direction.pos, `unexpected ${show(direction)} (${shape})`);
    if (direction.word !== 'ASC' && direction.word !== 'DESC') {
      return fail(direction.pos, `invalid ordering ${show(direction)} (use ASC or DESC)`);
    }
    ascending = direction.word === 'ASC';
  }
  if (extra !== undefined) return fail(extra.pos, `unexpected ${show(extra)} (${shape})`);
  const { entity, key } = resolveIdentifier(ident, dialect, dialect.orderAttributes, fail);
  if (!dialect.orderEntities.has(entity)) {
    fail(ident.pos, `${dialect.subject} cannot be ordered by ${entity === 'dataset' ? 'datasets' : `${entity}s`}`);
  }
  return { entity, key, ascending };
}
