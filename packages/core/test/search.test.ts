import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Experiment, Run, RunStatus } from '../src/entities.js';
import { InvalidArgumentError, InvalidFilterError } from '../src/errors.js';
import { compareCodePoints, likeRegExp } from '../src/search/compare.js';
import { parseExperimentFilter, parseRunFilter, type FilterClause } from '../src/search/filter-parser.js';
import { parseExperimentOrderBy, parseRunOrderBy } from '../src/search/order-by.js';
import { createPageToken, parsePageToken } from '../src/search/paginate.js';
import { applyExperimentSearch, applyRunSearch, validateRunFilter } from '../src/search/run-search.js';

// Expected results in this file were checked against MLflow 3.18's SearchUtils / SearchExperimentsUtils.

interface RunSpec {
  id: string;
  start: number;
  end?: number;
  name: string;
  user?: string;
  status?: RunStatus;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

function run(s: RunSpec): Run {
  return {
    info: {
      runId: s.id,
      runName: s.name,
      experimentId: '0',
      userId: s.user ?? 'ann',
      status: s.status ?? 'FINISHED',
      startTime: s.start,
      endTime: s.end,
      artifactUri: `file:///mlruns/0/${s.id}/artifacts`,
      lifecycleStage: 'active',
    },
    data: { metrics: s.metrics ?? {}, params: s.params ?? {}, tags: s.tags ?? {} },
  };
}

// Natural order (start_time DESC, run_id ASC): r1, r5, r2, r3, r4.
const RUNS: Run[] = [
  run({ id: 'r3', start: 2000, end: 2600, name: 'Beta run', user: 'bob', status: 'FAILED', metrics: { rmse: 1.5, acc: 0.8 }, tags: { team: "it''s" } }),
  run({ id: 'r1', start: 3000, end: 3500, name: 'alpha', metrics: { rmse: 0.5, acc: 0.9 }, params: { lr: '0.1', 'a b': 'x' }, tags: { team: 'ml', 'my-key': 'v' } }),
  run({ id: 'r4', start: 1000, end: 1200, name: 'gamma', params: { lr: '1e-3', created: 'p' } }),
  run({ id: 'r2', start: 2000, name: 'beta', status: 'RUNNING', metrics: { rmse: NaN }, params: { lr: '0.01' }, tags: { team: 'ML' } }),
  run({ id: 'r5', start: 3000, end: 3100, name: 'δelta', user: 'bob', metrics: { rmse: -2, created: 7 }, params: { start_time: 'p5' }, tags: { team: '50%' } }),
];

const ids = (page: { items: Run[] }): string[] => page.items.map((r) => r.info.runId);
const isFilterError = (re: RegExp) => (err: unknown) => err instanceof InvalidFilterError && re.test(err.message);

describe('filter parser: accepted grammar', () => {
  const cases: Array<[string, Array<Partial<FilterClause>>]> = [
    ['metrics.rmse > 0.5', [{ kind: 'number', entity: 'metric', key: 'rmse', comparator: '>', value: 0.5 }]],
    ['metric.rmse>=-1', [{ entity: 'metric', comparator: '>=', value: -1 }]],
    ['metrics.x < 1e-3', [{ value: 0.001 }]],
    ['metrics.x <= 1.5E3', [{ value: 1500 }]],
    ['metrics.x = .5', [{ value: 0.5 }]],
    ['metrics.x != 5.', [{ comparator: '!=', value: 5 }]],
    ['metrics.x = -.5', [{ value: -0.5 }]],
    ["params.lr = '0.1'", [{ kind: 'string', entity: 'param', key: 'lr', comparator: '=', value: '0.1' }]],
    ['param.lr = "0.1"', [{ entity: 'param', value: '0.1' }]],
    ["parameter.lr LIKE '0.%'", [{ entity: 'param', comparator: 'LIKE' }]],
    ["parameters.lr like '0.%'", [{ entity: 'param', comparator: 'LIKE' }]],
    ["tag.team ILIKE 'ML'", [{ entity: 'tag', comparator: 'ILIKE' }]],
    ["tags.\"my-key\" = 'v'", [{ entity: 'tag', key: 'my-key' }]],
    ["tags.`my-key` = 'v'", [{ entity: 'tag', key: 'my-key' }]],
    ["tags.'my-key' = 'v'", [{ entity: 'tag', key: 'my-key' }]],
    ["params.`a b` = 'x'", [{ entity: 'param', key: 'a b' }]],
    ["`params`.lr = 'x'", [{ entity: 'param', key: 'lr' }]],
    ["tags.mlflow.runName = 'x'", [{ entity: 'tag', key: 'mlflow.runName' }]],
    ["tags.`mlflow.runName` = 'x'", [{ entity: 'tag', key: 'mlflow.runName' }]],
    ['metrics.ä > 1', [{ key: 'ä' }]],
    ['metrics.1abc > 1', [{ key: '1abc' }]],
    ['metrics.select > 1', [{ key: 'select' }]],
    ["tags.x = 'it''s'", [{ value: "it''s" }]], // MLflow strips only the outer quotes
    ['tags.x = "say \\"hi\\""', [{ value: 'say \\"hi\\"' }]],
    ["tags.x = 'a\"b'", [{ value: 'a"b' }]],
    ["tags.x = ''", [{ value: '' }]],
    ["status = 'FINISHED'", [{ entity: 'attribute', key: 'status' }]],
    ["attributes.status != 'RUNNING'", [{ entity: 'attribute', comparator: '!=' }]],
    ["attribute.user_id = 'ann'", [{ key: 'user_id' }]],
    ["attr.artifact_uri LIKE 'file:%'", [{ key: 'artifact_uri' }]],
    ["run.run_name = 'x'", [{ key: 'run_name' }]],
    ["`Run name` = 'x'", [{ key: 'run_name' }]],
    ["\"run name\" = 'x'", [{ key: 'run_name' }]],
    ["attributes.`Run Name` = 'x'", [{ key: 'run_name' }]],
    ['created > 5', [{ kind: 'number', key: 'start_time', value: 5 }]],
    ['attributes.Created <= 5', [{ key: 'start_time' }]],
    ['end_time = 0', [{ key: 'end_time', value: 0 }]],
    ["run_id IN ('a', 'b')", [{ kind: 'list', key: 'run_id', comparator: 'IN', values: ['a', 'b'] }]],
    ["run_id in ('a',)", [{ comparator: 'IN', values: ['a'] }]],
    ['run_id NOT IN ("a", \'b\')', [{ comparator: 'NOT IN', values: ['a', 'b'] }]],
    ["run_id not  in ('a')", [{ comparator: 'NOT IN' }]],
    ['params.lr IS NULL', [{ kind: 'null', entity: 'param', comparator: 'IS NULL' }]],
    ['tags.x is not null', [{ kind: 'null', entity: 'tag', comparator: 'IS NOT NULL' }]],
    ["datasets.name = 'ds'", [{ entity: 'dataset', key: 'name' }]],
    ["dataset.digest IN ('d1')", [{ entity: 'dataset', key: 'digest', comparator: 'IN' }]],
    ["metrics.a > 1 and params.b = 'x' AND tags.c != 'y' And run_id = 'z'", [{ key: 'a' }, { key: 'b' }, { key: 'c' }, { key: 'run_id' }]],
    ["metrics.rmse>0.5 and params.x='a'", [{ key: 'rmse' }, { key: 'x' }]],
    ["params.created = 'p'", [{ entity: 'param', key: 'start_time' }]], // MLflow translates aliases for every entity
    ['', []],
    ['   ', []],
  ];
  for (const [filter, expected] of cases) {
    it(`parses ${JSON.stringify(filter)}`, () => {
      const clauses = parseRunFilter(filter);
      assert.equal(clauses.length, expected.length);
      expected.forEach((want, i) => {
        for (const [field, value] of Object.entries(want)) assert.deepEqual((clauses[i] as unknown as Record<string, unknown>)[field], value, field);
      });
    });
  }
});

describe('filter parser: errors name the offending token and position', () => {
  const cases: Array<[string, RegExp]> = [
    ['metrics.rmse', /expected an operator after 'metrics\.rmse', found the end of the filter at position 12/],
    ["metrics.rmse > '0.5'", /expected a number for metric 'rmse', found '0\.5' at position 15/],
    ["metrics.rmse LIKE '%'", /operator 'LIKE' is not valid for metric 'rmse'/],
    ['metrics.rmse = +3', /unexpected character '\+' at position 15/],
    ['metrics.x > 1abc', /malformed number '1abc' at position 12/],
    ['metrics.x > 0x10', /malformed number '0x10'/],
    ['metrics.x IS NULL', /IS NULL is only supported for params and tags, not for metric 'x'/],
    ['params.x = a', /expected a quoted string value \(e\.g\. 'my-value'\) for param 'x', found 'a' at position 11/],
    ['params.x = 5', /quoted string value .* found '5'/],
    ['params.x = `a`', /quoted string value .* found `a`/],
    ["params.x > 'a'", /operator '>' is not valid for param 'x' \(use one of = != LIKE ILIKE\) at position 9/],
    ["params.x NOT LIKE 'a'", /NOT LIKE is not supported at position 9/],
    ["params.x IN ('a')", /IN \(\.\.\.\) is only supported for run_id, not for param 'x'/],
    ["tags.a == 'x'", /'==' is not supported, use '='/],
    ["tags.a <> 'x'", /'<>' is not supported, use '!='/],
    ["tags.x = 'a", /unterminated string literal at position 9/],
    ["tags.`x = 'a'", /unterminated quoted name/],
    ["tags. = 'a'", /expected a name after '\.' at position 5/],
    ["tags.x = 'a' OR tags.y = 'b'", /OR is not supported .* at position 13/],
    ["tags.x = 'a' AND (tags.y = 'b')", /parentheses are not supported .* at position 17/],
    ["tags.x = 'a' AND", /expected a clause after AND at position 13/],
    ["AND tags.x = 'a'", /expected an identifier .* found 'AND' at position 0/],
    ["tags.x = 'a' tags.y = 'b'", /expected AND between clauses, found 'tags\.y' at position 13/],
    ["tags.x = 'a'; tags.y = 'b'", /unexpected character ';'/],
    ["tags.x = 'a' -- comment", /unexpected character '-'/],
    ["foo.bar = 'x'", /unknown entity type 'foo' in 'foo\.bar'/],
    ["METRICS.x > 1", /unknown entity type 'METRICS'/],
    ["\"params\".x = 'v'", /unknown entity type '"params"'/],
    ["lifecycle_stage = 'active'", /unknown attribute 'lifecycle_stage'/],
    ["attributes.experiment_id = '0'", /unknown attribute 'experiment_id'/],
    ['CREATED > 1', /unknown attribute 'CREATED'/],
    ["attributes.start_time > '5'", /expected a number for attribute 'start_time'/],
    ['start_time LIKE 5', /operator 'LIKE' is not valid for attribute 'start_time'/],
    ["status > 'A'", /operator '>' is not valid for attribute 'status'/],
    ["run_name IN ('a')", /only supported for run_id, not for attribute 'run_name'/],
    ['run_id IS NULL', /IS NULL is only supported for params and tags/],
    ['run_id IN ()', /non-empty list/],
    ['run_id IN (1, 2)', /quoted string value .* found '1'/],
    ["run_id IN ('a' 'b')", /expected ',' or '\)' in the list, found 'b'/],
    ["run_id IN 'a'", /expected '\(' with a list of quoted strings/],
    ["run_id IN ('a'", /expected '\)' to close the list, found the end of the filter/],
    ["tags.x IS 'a'", /expected NULL or NOT NULL after IS/],
    ["tags.`` = 'a'", /empty key/],
    ["datasets.foo = 'x'", /unknown dataset key 'foo'/],
    ["status RLIKE 'a'", /expected an operator .* found 'RLIKE'/],
  ];
  for (const [filter, message] of cases) {
    it(`rejects ${JSON.stringify(filter)}`, () => {
      assert.throws(() => validateRunFilter(filter), isFilterError(message));
      assert.throws(() => applyRunSearch(RUNS, { filter }), InvalidFilterError);
    });
  }
  it('quotes the whole filter in the message', () => {
    assert.throws(() => parseRunFilter('metrics.x ~ 1'), isFilterError(/^Invalid filter "metrics\.x ~ 1": unexpected character '~' at position 10\.$/));
  });
  it('accepts datasets.* as valid syntax but the local search refuses to evaluate it', () => {
    validateRunFilter("datasets.name = 'ds'");
    assert.throws(() => applyRunSearch(RUNS, { filter: "datasets.name = 'ds'" }), isFilterError(/not supported by the local store/));
  });
});

describe('applyRunSearch: filtering', () => {
  // Results listed in natural order.
  const cases: Array<[string, string[]]> = [
    ['', ['r1', 'r5', 'r2', 'r3', 'r4']],
    ['metrics.rmse > 0.4', ['r1', 'r3']],
    ['metrics.rmse >= 0.5', ['r1', 'r3']],
    ['metrics.rmse < 0.5', ['r5']],
    ['metrics.rmse <= -2', ['r5']],
    ['metrics.rmse = 1.5', ['r3']],
    ['metrics.rmse != 0.5', ['r5', 'r2', 'r3']], // NaN != 0.5 holds; r4 has no rmse
    ['metrics.acc < 0.9 AND metrics.rmse > 1', ['r3']],
    ['metrics.created = 7', []], // MLflow reads the metric `start_time` here (alias translation)
    ['start_time = 2000', ['r2', 'r3']],
    ['created > 2000', ['r1', 'r5']],
    ['attributes.start_time >= 2000.5', ['r1', 'r5']],
    ['end_time > 3000', ['r1', 'r5']],
    ['end_time != 0', ['r1', 'r5', 'r3', 'r4']], // a running run has no end time: it never matches
    ["params.lr = '0.1'", ['r1']],
    ["params.lr != '0.1'", ['r2', 'r4']], // runs without the param do not match `!=`
    ["params.lr LIKE '0.%'", ['r1', 'r2']],
    ["params.lr LIKE '0._'", ['r1']],
    ["params.lr LIKE '%E%'", []],
    ["params.lr ILIKE '%E%'", ['r4']],
    ["params.`a b` = 'x'", ['r1']],
    ["params.start_time = 'p5'", ['r5']], // the `start_time` key is a plain param key here
    ["params.created = 'p'", []], // …but `created` is translated to `start_time`, as in MLflow
    ["tags.team = 'ml'", ['r1']],
    ["tags.team ILIKE 'ml'", ['r1', 'r2']],
    ["tags.team LIKE 'M%'", ['r2']],
    ["tags.team = 'it''s'", ['r3']],
    ["tags.team LIKE '50%'", ['r5']],
    ["tags.team LIKE '%\\%'", []], // no escape character: `\` is literal
    ["tags.\"my-key\" = 'v'", ['r1']],
    ['tags.team IS NULL', ['r4']],
    ['tags.team IS NOT NULL', ['r1', 'r5', 'r2', 'r3']],
    ['params.lr IS NULL AND tags.team IS NOT NULL', ['r5', 'r3']],
    ["status = 'FINISHED'", ['r1', 'r5', 'r4']],
    ["status ILIKE 'f%'", ['r1', 'r5', 'r3', 'r4']],
    ["attributes.status != 'RUNNING'", ['r1', 'r5', 'r3', 'r4']],
    ["user_id = 'bob'", ['r5', 'r3']],
    ["run_name = 'beta'", ['r2']],
    ["`Run name` ILIKE 'beta%'", ['r2', 'r3']],
    ["\"run name\" LIKE '_elta'", ['r5']],
    ["artifact_uri LIKE '%/r1/%'", ['r1']],
    ["run_id = 'r3'", ['r3']],
    ["run_id IN ('r3', 'r4', 'nope')", ['r3', 'r4']],
    ["run_id NOT IN ('r3', 'r4')", ['r1', 'r5', 'r2']],
    ["metrics.rmse > 0 AND params.lr LIKE '%' AND status = 'FINISHED'", ['r1']],
  ];
  for (const [filter, expected] of cases) {
    it(`${JSON.stringify(filter)} → ${expected.join(', ') || 'nothing'}`, () => {
      assert.deepEqual(ids(applyRunSearch(RUNS, { filter })), expected);
    });
  }
  it('does not read inherited properties as keys', () => {
    assert.deepEqual(ids(applyRunSearch(RUNS, { filter: "params.toString LIKE '%'" })), []);
    assert.deepEqual(ids(applyRunSearch(RUNS, { filter: 'tags.constructor IS NOT NULL' })), []);
  });
  it('leaves the input array in its order', () => {
    const input = [...RUNS];
    applyRunSearch(input, { orderBy: ['metrics.rmse'] });
    assert.deepEqual(input, RUNS);
  });
});

describe('LIKE and string order follow Python', () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    // value, pattern, ignoreCase, expected
    ['abc', 'abc', false, true],
    ['abc', 'ABC', false, false],
    ['abc', 'ABC', true, true],
    ['abc', 'a%', false, true],
    ['abc', '%c', false, true],
    ['abc', '%b%', false, true],
    ['abc', 'a_c', false, true],
    ['abc', 'a_', false, false],
    ['a.c', 'a.c', false, true],
    ['abc', 'a.c', false, false], // regex characters are literal
    ['a(b)*', 'a(b)*', false, true],
    ['😀x', '_x', false, true], // `_` is one code point
    ['', '%', false, true],
    ['a\nb', 'a%b', false, false], // `%` does not cross a newline (Python's `.`)
    ['ab\n', 'ab', false, true], // Python's `$` matches before one trailing newline
    ['ÄB', 'äb', true, true],
  ];
  for (const [value, pattern, ignoreCase, expected] of cases) {
    it(`${JSON.stringify(value)} ${ignoreCase ? 'ILIKE' : 'LIKE'} ${JSON.stringify(pattern)} is ${expected}`, () => {
      assert.equal(likeRegExp(pattern, ignoreCase).test(value), expected);
    });
  }
  it('orders strings by code point, not UTF-16 unit', () => {
    assert.ok(compareCodePoints('\ue000', '😀') < 0);
    assert.ok(compareCodePoints('😀', '\ue000') > 0);
    assert.ok(compareCodePoints('a', 'ab') < 0);
    assert.equal(compareCodePoints('x😀', 'x😀'), 0);
    assert.ok(compareCodePoints('B', 'a') < 0);
  });
});

describe('applyRunSearch: ordering', () => {
  const cases: Array<[string[], string[]]> = [
    [[], ['r1', 'r5', 'r2', 'r3', 'r4']],
    // Present values, then NaN, then missing, in both directions.
    [['metrics.rmse'], ['r5', 'r1', 'r3', 'r2', 'r4']],
    [['metrics.rmse ASC'], ['r5', 'r1', 'r3', 'r2', 'r4']],
    [['metrics.rmse DESC'], ['r3', 'r1', 'r5', 'r2', 'r4']],
    [['metric.rmse desc'], ['r3', 'r1', 'r5', 'r2', 'r4']],
    // Ties (and missing values) fall back to start_time DESC, run_id ASC.
    [['metrics.acc DESC'], ['r1', 'r3', 'r5', 'r2', 'r4']],
    [['params.lr'], ['r2', 'r1', 'r4', 'r5', 'r3']],
    [['params.lr DESC'], ['r4', 'r1', 'r2', 'r5', 'r3']],
    [['tags.team'], ['r5', 'r2', 'r3', 'r1', 'r4']],
    [['tags.team DESC', 'params.lr'], ['r1', 'r3', 'r2', 'r5', 'r4']],
    [['status', 'user_id DESC'], ['r3', 'r5', 'r1', 'r4', 'r2']],
    [['attributes.run_name'], ['r3', 'r1', 'r2', 'r4', 'r5']], // code point order: uppercase first, δ last
    [['start_time ASC'], ['r4', 'r2', 'r3', 'r1', 'r5']], // equal starts keep run_id ASC
    [['created DESC'], ['r1', 'r5', 'r2', 'r3', 'r4']],
    [['end_time'], ['r4', 'r3', 'r5', 'r1', 'r2']], // running run (no end time) last
    [['end_time DESC'], ['r1', 'r5', 'r3', 'r4', 'r2']],
    [['run_id DESC'], ['r5', 'r4', 'r3', 'r2', 'r1']],
    [['params.`a b` DESC', 'metrics.rmse DESC'], ['r1', 'r3', 'r5', 'r2', 'r4']],
    [['metrics.created'], ['r1', 'r5', 'r2', 'r3', 'r4']], // metric key `created` → `start_time`, which no run has
  ];
  for (const [orderBy, expected] of cases) {
    it(`orders by ${JSON.stringify(orderBy)}`, () => {
      assert.deepEqual(ids(applyRunSearch(RUNS, { orderBy })), expected);
    });
  }
  const parsed: Array<[string, ReturnType<typeof parseRunOrderBy>]> = [
    ['metrics.rmse', { entity: 'metric', key: 'rmse', ascending: true }],
    ['params."a b" DESC', { entity: 'param', key: 'a b', ascending: false }],
    ['tags.`mlflow.runName` asc', { entity: 'tag', key: 'mlflow.runName', ascending: true }],
    ['tags.mlflow.runName  DESC', { entity: 'tag', key: 'mlflow.runName', ascending: false }],
    ['attr.end_time', { entity: 'attribute', key: 'end_time', ascending: true }],
    ['Created', { entity: 'attribute', key: 'start_time', ascending: true }],
  ];
  for (const [clause, expected] of parsed) {
    it(`parses order-by ${JSON.stringify(clause)}`, () => assert.deepEqual(parseRunOrderBy(clause), expected));
  }
  const bad: Array<[string, RegExp]> = [
    ['metrics.rmse DOWN', /invalid ordering 'DOWN' \(use ASC or DESC\) at position 13/],
    ['metrics.rmse DESC ASC', /unexpected 'ASC'/],
    ['metrics.rmse, params.x', /unexpected ','/],
    ['metrics.rmse DESC NULLS FIRST', /unexpected 'NULLS'/],
    ["'metrics.rmse'", /expected an identifier, found 'metrics\.rmse'/],
    ['', /found nothing/],
    ['`Run name`', /unknown attribute 'Run name'/], // filter-only alias
    ['lifecycle_stage', /unknown attribute/],
    ['timestamp', /unknown attribute 'timestamp'/],
    ['datasets.name', /runs cannot be ordered by datasets/],
    ['foo.bar', /unknown entity type 'foo'/],
  ];
  for (const [clause, message] of bad) {
    it(`rejects order-by ${JSON.stringify(clause)}`, () => {
      assert.throws(() => applyRunSearch(RUNS, { orderBy: [clause] }), isFilterError(message));
    });
  }
});

describe('pagination', () => {
  it('makes the same page token bytes as MLflow', () => {
    assert.equal(createPageToken(5), 'eyJvZmZzZXQiOiA1fQ==');
    assert.equal(createPageToken(1000), 'eyJvZmZzZXQiOiAxMDAwfQ==');
    assert.equal(parsePageToken('eyJvZmZzZXQiOiAzNX0='), 35);
  });
  it('walks all pages and stops without a token', () => {
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const page = applyRunSearch(RUNS, { orderBy: ['run_id'], maxResults: 2, ...(pageToken ? { pageToken } : {}) });
      seen.push(...ids(page));
      pageToken = page.nextPageToken;
      pages++;
    } while (pageToken !== undefined);
    assert.equal(pages, 3);
    assert.deepEqual(seen, ['r1', 'r2', 'r3', 'r4', 'r5']);
  });
  it('gives no token when the last page is exactly full', () => {
    const page = applyRunSearch(RUNS, { maxResults: 5 });
    assert.equal(page.items.length, 5);
    assert.equal(page.nextPageToken, undefined);
    assert.equal('nextPageToken' in page, false);
  });
  it('returns an empty page past the end', () => {
    assert.deepEqual(applyRunSearch(RUNS, { pageToken: createPageToken(50) }), { items: [] });
  });
  it('accepts a numeric-string offset, as Python int() does', () => {
    const token = Buffer.from('{"offset": "3"}').toString('base64');
    assert.deepEqual(ids(applyRunSearch(RUNS, { pageToken: token })), ['r3', 'r4']);
  });
  const badTokens: Array<[string, string]> = [
    ['not base64 json', '!!!'],
    ['offset 0', Buffer.from('{"offset": 0}').toString('base64')],
    ['no offset', Buffer.from('{"x": 1}').toString('base64')],
    ['negative offset', Buffer.from('{"offset": -1}').toString('base64')],
    ['fractional offset', Buffer.from('{"offset": 1.5}').toString('base64')],
    ['a JSON array', Buffer.from('[1]').toString('base64')],
  ];
  for (const [what, pageToken] of badTokens) {
    it(`rejects a page token with ${what}`, () => {
      assert.throws(() => applyRunSearch(RUNS, { pageToken }), (e: unknown) => e instanceof InvalidArgumentError && /Invalid page token/.test(e.message));
    });
  }
  for (const maxResults of [0, -1, 1.5, 50_001, NaN]) {
    it(`rejects maxResults ${maxResults}`, () => {
      assert.throws(() => applyRunSearch(RUNS, { maxResults }), (e: unknown) => e instanceof InvalidArgumentError && /maxResults/.test(e.message));
      assert.throws(() => applyExperimentSearch([], { maxResults }), InvalidArgumentError);
    });
  }
  it('accepts maxResults 50000 and defaults to 1000', () => {
    const many = Array.from({ length: 1001 }, (_, i) => run({ id: `x${String(i).padStart(4, '0')}`, start: 0, name: 'n' }));
    assert.equal(applyRunSearch(many, {}).items.length, 1000);
    assert.equal(applyRunSearch(many, {}).nextPageToken, createPageToken(1000));
    assert.equal(applyRunSearch(many, { maxResults: 50_000 }).items.length, 1001);
  });
});

function exp(id: string, name: string, creationTime?: number, lastUpdateTime?: number, tags: Record<string, string> = {}): Experiment {
  const e: Experiment = { experimentId: id, name, artifactLocation: `file:///mlruns/${id}`, lifecycleStage: 'active', tags };
  if (creationTime !== undefined) e.creationTime = creationTime;
  if (lastUpdateTime !== undefined) e.lastUpdateTime = lastUpdateTime;
  return e;
}

// Default order (creation_time DESC, experiment_id ASC as strings): 2, 10, 1, 9, 0.
const EXPERIMENTS: Experiment[] = [
  exp('0', 'Default', undefined, undefined),
  exp('1', 'alpha', 100, 150, { team: 'ml' }),
  exp('2', 'beta', 200, 250, { team: 'ML' }),
  exp('9', 'gamma', 100, undefined, { other: 'x' }),
  exp('10', 'beta', 200, 200),
];
const expIds = (page: { items: Experiment[] }): string[] => page.items.map((e) => e.experimentId);

describe('applyExperimentSearch', () => {
  const filters: Array<[string, string[]]> = [
    ['', ['10', '2', '1', '9', '0']],
    ["name = 'beta'", ['10', '2']],
    ["attributes.name LIKE 'b%'", ['10', '2']],
    ["name ILIKE 'DEF%'", ['0']],
    ["name != 'beta'", ['1', '9', '0']],
    ["experiment_id = '9'", ['9']],
    ["experiment_id IN ('1', '9', '99')", ['1', '9']],
    ["experiment_id NOT IN ('1', '9')", ['10', '2', '0']],
    ['creation_time > 100', ['10', '2']],
    ['creation_time = 100', ['1', '9']],
    ['creation_time < 150', ['1', '9']], // no creation time: no match (MLflow raises a TypeError)
    ['creation_time != 100', ['10', '2', '0']], // no creation time matches `!=`, as Python's None != 100
    ['last_update_time >= 200', ['10', '2']],
    ["tags.team = 'ml'", ['1']],
    ["tag.team ILIKE 'ml'", ['2', '1']],
    ["tags.team != 'ml'", ['2']],
    ['tags.team IS NULL', ['10', '9', '0']],
    ['tags.team IS NOT NULL', ['2', '1']],
  ];
  for (const [filter, expected] of filters) {
    it(`filters ${JSON.stringify(filter)} → ${expected.join(', ')}`, () => {
      assert.deepEqual(expIds(applyExperimentSearch(EXPERIMENTS, { filter })), expected);
    });
  }
  const orders: Array<[string[] | undefined, string[]]> = [
    [undefined, ['10', '2', '1', '9', '0']],
    [[], ['10', '2', '1', '9', '0']],
    [['name'], ['0', '1', '2', '10', '9']], // tie on 'beta' broken by experiment_id DESC as strings
    [['name DESC'], ['9', '2', '10', '1', '0']],
    [['name', 'experiment_id ASC'], ['0', '1', '10', '2', '9']],
    [['experiment_id'], ['0', '1', '10', '2', '9']],
    [['creation_time'], ['9', '1', '2', '10', '0']], // absent creation time last, in both directions
    [['creation_time DESC'], ['2', '10', '9', '1', '0']],
    [['last_update_time DESC', 'name'], ['2', '10', '1', '0', '9']],
  ];
  for (const [orderBy, expected] of orders) {
    it(`orders by ${JSON.stringify(orderBy)}`, () => {
      assert.deepEqual(expIds(applyExperimentSearch(EXPERIMENTS, orderBy === undefined ? {} : { orderBy })), expected);
    });
  }
  const bad: Array<[{ filter?: string; orderBy?: string[] }, RegExp]> = [
    [{ filter: "name IN ('a')" }, /only supported for experiment_id/],
    [{ filter: "name > 'a'" }, /operator '>' is not valid for attribute 'name'/],
    [{ filter: 'metrics.x > 1' }, /unknown entity type 'metrics' .*valid for experiments: attribute, attributes, tag, tags/],
    [{ filter: "attr.name = 'a'" }, /unknown entity type 'attr'/],
    [{ filter: 'created > 5' }, /unknown attribute 'created'/],
    [{ filter: "creation_time > '5'" }, /expected a number for attribute 'creation_time'/],
    [{ filter: 'name IS NULL' }, /IS NULL is only supported for tags/],
    [{ filter: "lifecycle_stage = 'active'" }, /unknown attribute 'lifecycle_stage'/],
    [{ orderBy: ['tags.team'] }, /experiments cannot be ordered by tags/],
    [{ orderBy: ['artifact_location'] }, /unknown attribute 'artifact_location'/],
  ];
  for (const [req, message] of bad) {
    it(`rejects ${JSON.stringify(req)}`, () => {
      assert.throws(() => applyExperimentSearch(EXPERIMENTS, req), isFilterError(message));
    });
  }
  it('parses experiment filters and order-by with their own prefixes', () => {
    assert.deepEqual(parseExperimentFilter("tags.`a b` = 'x'")[0], { entity: 'tag', key: 'a b', pos: 0, kind: 'string', comparator: '=', value: 'x' });
    assert.deepEqual(parseExperimentOrderBy('attributes.last_update_time DESC'), { entity: 'attribute', key: 'last_update_time', ascending: false });
  });
  it('pages experiments with the same tokens', () => {
    const first = applyExperimentSearch(EXPERIMENTS, { maxResults: 3 });
    assert.deepEqual(expIds(first), ['10', '2', '1']);
    assert.equal(first.nextPageToken, createPageToken(3));
    const second = applyExperimentSearch(EXPERIMENTS, { maxResults: 3, pageToken: first.nextPageToken });
    assert.deepEqual(second, { items: [EXPERIMENTS[3], EXPERIMENTS[0]] });
  });
});
