import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../src/errors.js';
import { normalizeValue, validateArtifactPath, validateKey, validateMetricValue, validateStep, validateTimestamp } from '../src/validation.js';

describe('validateKey (MLflow key rules)', () => {
  const valid = ['loss', 'val/acc', 'a.b-c_d', 'with space', 'ns:key', 'ünïcode', 'x'.repeat(250), 'a/b/c'];
  for (const key of valid) {
    it(`accepts ${JSON.stringify(key.length > 30 ? key.slice(0, 30) + '…' : key)}`, () => {
      validateKey('metric', key);
    });
  }
  const invalid: Array<[unknown, RegExp]> = [
    ['', /resolve/],
    ['a//b', /resolve/],
    ['a/', /resolve/],
    ['/a', /resolve/],
    ['./a', /resolve/],
    ['a/./b', /resolve/],
    ['../a', /resolve/],
    ['.', /resolve/],
    ['a?b', /alphanumerics/],
    ['semi;colon', /alphanumerics/],
    ['x'.repeat(251), /maximum length of 250/],
    [42, /must be a string/],
    [undefined, /must be a string/],
  ];
  for (const [key, message] of invalid) {
    it(`rejects ${typeof key === 'string' && key.length > 30 ? `a ${key.length}-char key` : JSON.stringify(key) ?? 'undefined'}`, () => {
      assert.throws(() => validateKey('param', key), (err: unknown) => err instanceof InvalidArgumentError && message.test(err.message));
    });
  }
});

describe('metric values, steps and timestamps', () => {
  it('accepts NaN and ±Infinity as metric values', () => {
    for (const v of [NaN, Infinity, -Infinity, 0, -1.5]) validateMetricValue('m', v);
  });
  it('rejects non-numbers with a typed error naming the metric', () => {
    for (const v of ['1', null, undefined, true, 1n, {}]) {
      assert.throws(() => validateMetricValue('loss', v), (e: unknown) => e instanceof InvalidArgumentError && /metric 'loss'/.test((e as Error).message));
    }
  });
  it('rejects fractional or unsafe steps and negative timestamps', () => {
    assert.throws(() => validateStep('m', 1.5), InvalidArgumentError);
    assert.throws(() => validateStep('m', 2 ** 60), InvalidArgumentError);
    assert.throws(() => validateTimestamp('m', -1), InvalidArgumentError);
    assert.throws(() => validateTimestamp('m', 1.5), InvalidArgumentError);
    validateStep('m', -3);
    validateTimestamp('m', 0);
  });
});

describe('param and tag values', () => {
  it('stringifies numbers, booleans and objects the way users expect', () => {
    assert.equal(normalizeValue('param', 'k', 0.1, true), '0.1');
    assert.equal(normalizeValue('param', 'k', true, true), 'true');
    assert.equal(normalizeValue('param', 'k', null, true), 'null');
    assert.equal(normalizeValue('param', 'k', { a: [1] }, true), '{"a":[1]}');
  });
  it('truncates over-long values like MLflow (6000 for params, 8000 for tags), counting code points', () => {
    assert.equal(normalizeValue('param', 'k', 'x'.repeat(7000), true).length, 6000);
    assert.equal(normalizeValue('tag', 'k', 'y'.repeat(9000), true).length, 8000);
    const emoji = '😀'.repeat(6001);
    assert.equal([...normalizeValue('param', 'k', emoji, true)].length, 6000);
  });
  it('throws instead of truncating when MLFLOW_TRUNCATE_LONG_VALUES=false', () => {
    assert.throws(() => normalizeValue('param', 'k', 'x'.repeat(6001), false), /exceeds the maximum length of 6000/);
  });
  it('rejects undefined and functions', () => {
    assert.throws(() => normalizeValue('tag', 'k', undefined, true), InvalidArgumentError);
    assert.throws(() => normalizeValue('tag', 'k', () => 1, true), InvalidArgumentError);
  });
});

describe('validateArtifactPath', () => {
  it('normalizes relative paths', () => {
    assert.equal(validateArtifactPath(undefined), '');
    assert.equal(validateArtifactPath('a/b/'), 'a/b');
    assert.equal(validateArtifactPath('./a//b'), 'a/b');
    assert.equal(validateArtifactPath('a\\b'), 'a/b');
    assert.equal(validateArtifactPath('.hydra/config.yaml'), '.hydra/config.yaml');
    assert.equal(validateArtifactPath('.gitignore'), '.gitignore');
  });
  for (const bad of ['../x', 'a/../../x', '/etc', 'C:/x', 'a/..', 'x\0y']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => validateArtifactPath(bad), InvalidArgumentError);
    });
  }
});
