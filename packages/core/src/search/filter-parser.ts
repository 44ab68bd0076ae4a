import { InvalidFilterError } from '../errors.js';
import { tokenize, type LexErrorReporter, type Token } from './filter-tokenizer.js';
import { DATASET_KEYS, EXPERIMENT_SEARCH, RUN_SEARCH, type EntityType, type SearchDialect } from './search-dialect.js';

/**
 * Parser of MLflow's search filter grammar:
 *
 *   filter     := clause (AND clause)*            AND is case-insensitive; no OR, no parentheses
 *   clause     := ident op value | ident [NOT] IN '(' string (',' string)* [','] ')' | ident IS [NOT] NULL
 *   ident      := [entity '.'] key                e.g. metrics.rmse, tags."my-key", params.`a b`, status
 *   op         := = | != | > | >= | < | <= | LIKE | ILIKE
 *   value      := number | 'string' | "string"
 *
 * Which operators and values each entity takes is checked here, so a filter that parses is one
 * MLflow would evaluate. Every error is an InvalidFilterError whose message quotes the filter and
 * names the offending token with its 0-based character position.
 */

export type NumericComparator = '=' | '!=' | '>' | '>=' | '<' | '<=';
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ListComparator = 'IN' | 'NOT IN';
export type NullComparator = 'IS NULL' | 'IS NOT NULL';

interface ClauseBase {
  entity: EntityType;
  /** The key with quotes removed and aliases translated (`created` → `start_time`). */
  key: string;
  /** 0-based offset of the clause in the filter. */
  pos: number;
}

/** One AND-ed clause of a filter. */
export type FilterClause =
  | (ClauseBase & { kind: 'number'; comparator: NumericComparator; value: number })
  | (ClauseBase & { kind: 'string'; comparator: StringComparator; value: string })
  | (ClauseBase & { kind: 'list'; comparator: ListComparator; values: string[] })
  | (ClauseBase & { kind: 'null'; comparator: NullComparator });

const NUMERIC_OPS: ReadonlySet<string> = new Set(['=', '!=', '>', '>=', '<', '<=']);
const STRING_OPS: ReadonlySet<string> = new Set(['=', '!=', 'LIKE', 'ILIKE']);
const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'IN', 'IS', 'NULL', 'LIKE', 'ILIKE']);

const ENTITY_LABEL: Readonly<Record<EntityType, string>> = {
  metric: 'metric',
  param: 'param',
  tag: 'tag',
  attribute: 'attribute',
  dataset: 'dataset',
};

/** Parses a runs filter (`SearchUtils` rules). Empty or blank → no clauses. */
export function parseRunFilter(filter: string): FilterClause[] {
  return parseFilter(filter, RUN_SEARCH);
}

/** Parses an experiments filter (`SearchExperimentsUtils` rules). Empty or blank → no clauses. */
export function parseExperimentFilter(filter: string): FilterClause[] {
  return parseFilter(filter, EXPERIMENT_SEARCH);
}

/** A reporter that throws InvalidFilterError quoting `what` (e.g. `filter "x > 1"`). */
export function errorReporter(what: string): LexErrorReporter {
  return (pos, message) => {
    throw new InvalidFilterError(`Invalid ${what}: ${message} at position ${pos}.`);
  };
}

/** Parses `filter` under `dialect`'s rules; empty or blank → no clauses. Throws InvalidFilterError. */
export function parseFilter(filter: string, dialect: SearchDialect): FilterClause[] {
  const fail: LexErrorReporter = errorReporter(`filter ${JSON.stringify(filter)}`);
  const cursor = new Cursor(tokenize(filter, fail), filter.length, fail);
  const clauses: FilterClause[] = [];
  if (cursor.atEnd()) return clauses;
  for (;;) {
    clauses.push(parseClause(cursor, dialect));
    const next = cursor.peek();
    if (next === undefined) return clauses;
    if (next.word === 'OR') fail(next.pos, 'OR is not supported (MLflow filters are clauses joined by AND)');
    if (next.word !== 'AND') fail(next.pos, `expected AND between clauses, found ${show(next)}`);
    cursor.next();
    if (cursor.atEnd()) fail(next.pos, 'expected a clause after AND');
  }
}

class Cursor {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    readonly endPos: number,
    readonly fail: LexErrorReporter,
  ) {}
  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  /** The next token; `expected` describes it for the error at the end of input. */
  next(expected = 'more input'): Token {
    const token = this.tokens[this.i++];
    if (token === undefined) this.fail(this.endPos, `expected ${expected}, found the end of the filter`);
    return token;
  }
}

/**
 * Splits an identifier into entity and key as MLflow does: at the first '.', the prefix with
 * backticks trimmed names the entity (exact case); the rest, with one pair of outer quotes (' or ")
 * then backticks removed, is the key. No dot: an attribute. `attributes` is the set of attribute
 * keys allowed in this position (filter or order-by). Returns the key with aliases translated.
 */
export function resolveIdentifier(
  token: Token,
  dialect: SearchDialect,
  attributes: ReadonlySet<string>,
  fail: LexErrorReporter,
): { entity: EntityType; key: string; rawKey: string } {
  const dot = token.text.indexOf('.');
  let entity: EntityType = 'attribute';
  let quotedKey = token.text;
  if (dot !== -1) {
    const prefix = trimBackticks(token.text.slice(0, dot));
    const found = dialect.entities.get(prefix);
    if (found === undefined) {
      const valid = [...dialect.entities.keys()].join(', ');
      fail(token.pos, `unknown entity type '${prefix}' in '${token.text}' (valid for ${dialect.subject}: ${valid})`);
    }
    entity = found;
    quotedKey = token.text.slice(dot + 1);
  }
  const rawKey = trimBackticks(stripQuotes(quotedKey));
  if (rawKey === '') fail(token.pos, `empty key in '${token.text}'`);
  if (entity === 'attribute' && !attributes.has(rawKey)) {
    const valid = [...attributes].join(', ');
    fail(token.pos, `unknown attribute '${rawKey}' (valid for ${dialect.subject}: ${valid})`);
  }
  if (entity === 'dataset' && !DATASET_KEYS.has(rawKey)) {
    fail(token.pos, `unknown dataset key '${rawKey}' (valid: ${[...DATASET_KEYS].join(', ')})`);
  }
  return { entity, key: dialect.keyAliases.get(rawKey) ?? rawKey, rawKey };
}

function parseClause(cursor: Cursor, dialect: SearchDialect): FilterClause {
  const fail: LexErrorReporter = cursor.fail;
  const ident = cursor.next('a clause');
  if (ident.kind === 'lparen') fail(ident.pos, 'parentheses are not supported (MLflow filters are clauses joined by AND)');
  if (ident.kind !== 'ident' || (ident.word !== undefined && KEYWORDS.has(ident.word))) {
    fail(ident.pos, `expected an identifier such as metrics.<key>, params.<key>, tags.<key> or an attribute, found ${show(ident)}`);
  }
  const { entity, key, rawKey } = resolveIdentifier(ident, dialect, dialect.filterAttributes, fail);
  const subject = `${ENTITY_LABEL[entity]} '${rawKey}'`;
  const [op, opPos] = readComparator(cursor, ident);
  const base = { entity, key, pos: ident.pos };

  if (op === 'IS NULL' || op === 'IS NOT NULL') {
    if (!dialect.nullCheckEntities.has(entity)) {
      const which = [...dialect.nullCheckEntities].map((e) => `${ENTITY_LABEL[e]}s`).join(' and ');
      fail(opPos, `${op} is only supported for ${which}, not for ${subject}`);
    }
    return { ...base, kind: 'null', comparator: op };
  }
  const numeric = entity === 'metric' || (entity === 'attribute' && dialect.numericAttributes.has(rawKey));
  if (numeric) {
    if (!NUMERIC_OPS.has(op)) fail(opPos, `operator '${op}' is not valid for ${subject} (use one of ${[...NUMERIC_OPS].join(' ')})`);
    const value = cursor.next('a number');
    if (value.kind !== 'number') fail(value.pos, `expected a number for ${subject}, found ${show(value)}`);
    return { ...base, kind: 'number', comparator: op as NumericComparator, value: Number(value.text) };
  }
  if (op === 'IN' || op === 'NOT IN') {
    if (entity !== 'dataset' && !(entity === 'attribute' && dialect.listAttributes.has(rawKey))) {
      fail(opPos, `${op} (...) is only supported for ${[...dialect.listAttributes].join(', ')}, not for ${subject}`);
    }
    return { ...base, kind: 'list', comparator: op, values: readStringList(cursor, subject) };
  }
  if (!STRING_OPS.has(op)) fail(opPos, `operator '${op}' is not valid for ${subject} (use one of = != LIKE ILIKE)`);
  const value = cursor.next('a quoted string');
  return { ...base, kind: 'string', comparator: op as StringComparator, value: quotedValue(value, subject, fail) };
}

/** Reads the operator after `ident`; multi-word ones (NOT IN, IS NOT NULL) come back joined. */
function readComparator(cursor: Cursor, ident: Token): [string, number] {
  const fail: LexErrorReporter = cursor.fail;
  const t = cursor.next(`an operator after '${ident.text}'`);
  if (t.kind === 'op') {
    if (t.text === '==') fail(t.pos, "'==' is not supported, use '='");
    if (t.text === '<>') fail(t.pos, "'<>' is not supported, use '!='");
    return [t.text, t.pos];
  }
  switch (t.word) {
    case 'LIKE':
    case 'ILIKE':
    case 'IN':
      return [t.word, t.pos];
    case 'IS': {
      const u = cursor.next('NULL or NOT NULL after IS');
      if (u.word === 'NULL') return ['IS NULL', t.pos];
      if (u.word === 'NOT' && cursor.next('NULL after IS NOT').word === 'NULL') return ['IS NOT NULL', t.pos];
      return fail(u.pos, 'expected NULL or NOT NULL after IS');
    }
    case 'NOT': {
      const u = cursor.next('IN after NOT');
      if (u.word === 'IN') return ['NOT IN', t.pos];
      if (u.word === 'LIKE' || u.word === 'ILIKE') fail(t.pos, `NOT ${u.word} is not supported`);
      return fail(u.pos, `expected IN after NOT, found ${show(u)}`);
    }
    default:
      return fail(
        t.pos,
        `expected an operator (= != > >= < <= LIKE ILIKE IN NOT IN IS NULL IS NOT NULL) after '${ident.text}', found ${show(t)}`,
      );
  }
}

/** `( 'a', "b" [,] )`: a non-empty list of quoted strings. */
function readStringList(cursor: Cursor, subject: string): string[] {
  const fail: LexErrorReporter = cursor.fail;
  const open = cursor.next("'(' to start the list");
  if (open.kind !== 'lparen') fail(open.pos, `expected '(' with a list of quoted strings for ${subject}, found ${show(open)}`);
  const values: string[] = [];
  for (;;) {
    const t = cursor.next("')' to close the list");
    if (t.kind === 'rparen') break;
    values.push(quotedValue(t, subject, fail));
    const sep = cursor.next("')' to close the list");
    if (sep.kind === 'rparen') break;
    if (sep.kind !== 'comma') fail(sep.pos, `expected ',' or ')' in the list, found ${show(sep)}`);
  }
  if (values.length === 0) fail(open.pos, `expected a non-empty list of quoted strings for ${subject}`);
  return values;
}

/**
 * A string value: a single-quoted literal, or a double-quoted one (which lexes as a name, as in
 * sqlparse). Only the outer quotes go; MLflow does not unescape `''` or `\'` inside, nor do we.
 */
function quotedValue(t: Token, subject: string, fail: LexErrorReporter): string {
  if (t.kind === 'string' || (t.kind === 'ident' && isQuoted(t.text, '"'))) return t.text.slice(1, -1);
  return fail(t.pos, `expected a quoted string value (e.g. 'my-value') for ${subject}, found ${show(t)}`);
}

/** A token for a message: quoted literals as written, anything else in single quotes. */
export function show(t: Token): string {
  return /^['"`]/.test(t.text) ? t.text : `'${t.text}'`;
}

function isQuoted(s: string, quote: string): boolean {
  return s.length >= 2 && s.startsWith(quote) && s.endsWith(quote);
}

function stripQuotes(s: string): string {
  return isQuoted(s, "'") || isQuoted(s, '"') ? s.slice(1, -1) : s;
}

function trimBackticks(s: string): string {
  return isQuoted(s, '`') ? s.slice(1, -1) : s;
}
