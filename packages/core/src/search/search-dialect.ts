/**
 * What each MLflow search accepts, as data: entity prefixes, attribute keys, and which keys are
 * numeric or take `IN (...)` lists. Values mirror MLflow 3.18's `SearchUtils` (runs) and
 * `SearchExperimentsUtils` (experiments) in mlflow/utils/search_utils.py.
 */

/** The kinds of thing a filter clause or order-by clause can name. */
export type EntityType = 'metric' | 'param' | 'tag' | 'attribute' | 'dataset';

export interface SearchDialect {
  /** For messages: "runs" or "experiments". */
  readonly subject: string;
  /** Entity prefix as written (exact case, as MLflow compares it) → entity. */
  readonly entities: ReadonlyMap<string, EntityType>;
  /** Attribute keys a filter may name (aliases included, before translation). */
  readonly filterAttributes: ReadonlySet<string>;
  /** Attribute keys an order-by may name (aliases included, before translation). */
  readonly orderAttributes: ReadonlySet<string>;
  /** Attribute keys compared as numbers (aliases included). */
  readonly numericAttributes: ReadonlySet<string>;
  /** Attribute keys that accept `IN (...)` / `NOT IN (...)`. */
  readonly listAttributes: ReadonlySet<string>;
  /** Entities that accept `IS NULL` / `IS NOT NULL`. */
  readonly nullCheckEntities: ReadonlySet<EntityType>;
  /** Entities an order-by may name. */
  readonly orderEntities: ReadonlySet<EntityType>;
  /**
   * Key aliases, applied to the key of every entity type, not only attributes: MLflow's run
   * search translates `metrics.created` to the metric `start_time` too, and we match it.
   */
  readonly keyAliases: ReadonlyMap<string, string>;
}

/** Keys of `datasets.<key>` in a run filter. */
export const DATASET_KEYS: ReadonlySet<string> = new Set(['name', 'digest', 'context']);

/** The entity prefixes every MLflow search accepts (`metrics.x`, `params.x`, `tags.x`, `attributes.x` and their other spellings). */
export const ENTITY_PREFIXES: ReadonlyArray<readonly [string, EntityType]> = [
    ['metric', 'metric'],
    ['metrics', 'metric'],
    ['parameter', 'param'],
    ['parameters', 'param'],
    ['param', 'param'],
    ['params', 'param'],
    ['tag', 'tag'],
    ['tags', 'tag'],
    ['attribute', 'attribute'],
    ['attributes', 'attribute'],
    ['attr', 'attribute'],
];

const RUN_STRING_ATTRIBUTES = ['run_id', 'run_name', 'user_id', 'status', 'artifact_uri'];
const RUN_NUMERIC_ATTRIBUTES = ['start_time', 'end_time', 'created', 'Created'];

export const RUN_SEARCH: SearchDialect = {
  subject: 'runs',
  entities: new Map<string, EntityType>([
    ...ENTITY_PREFIXES,
    ['run', 'attribute'],
    ['dataset', 'dataset'],
    ['datasets', 'dataset'],
  ]),
  // lifecycle_stage and experiment_id are not searchable run attributes in MLflow.
  filterAttributes: new Set([...RUN_STRING_ATTRIBUTES, ...RUN_NUMERIC_ATTRIBUTES, 'run name', 'Run name', 'Run Name']),
  // The "run name" spellings are filter-only; `created` works in both.
  orderAttributes: new Set([...RUN_STRING_ATTRIBUTES, ...RUN_NUMERIC_ATTRIBUTES]),
  numericAttributes: new Set(RUN_NUMERIC_ATTRIBUTES),
  listAttributes: new Set(['run_id']),
  nullCheckEntities: new Set<EntityType>(['param', 'tag']),
  orderEntities: new Set<EntityType>(['metric', 'param', 'tag', 'attribute']),
  keyAliases: new Map([
    ['created', 'start_time'],
    ['Created', 'start_time'],
    ['run name', 'run_name'],
    ['Run name', 'run_name'],
    ['Run Name', 'run_name'],
  ]),
};

const EXPERIMENT_ATTRIBUTES = ['name', 'experiment_id', 'creation_time', 'last_update_time'];

export const EXPERIMENT_SEARCH: SearchDialect = {
  subject: 'experiments',
  // No `attr` or `run` here: MLflow's experiment search lists only these four prefixes.
  entities: new Map<string, EntityType>([
    ['attribute', 'attribute'],
    ['attributes', 'attribute'],
    ['tag', 'tag'],
    ['tags', 'tag'],
  ]),
  filterAttributes: new Set(EXPERIMENT_ATTRIBUTES),
  orderAttributes: new Set(EXPERIMENT_ATTRIBUTES),
  numericAttributes: new Set(['creation_time', 'last_update_time']),
  listAttributes: new Set(['experiment_id']),
  nullCheckEntities: new Set<EntityType>(['tag']),
  orderEntities: new Set<EntityType>(['attribute']),
  keyAliases: new Map(),
};
