// Parameters as `mlflow run` treats them: MLflow's message for missing ones, substitution with
// shlex-quoted values, extra params appended as --key value; plus runlog's float/int checks.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import { checkParameters, parseParameterArgs, resolveParameters, shellQuote, type EntryPointSpec } from '../src/index.js';

const entry = (command: string, parameters: EntryPointSpec['parameters']): EntryPointSpec => ({ name: 'main', command, parameters, origin: 'mlproject' });
const cwd = mkdtempSync(join(tmpdir(), 'runlog-params-'));
writeFileSync(join(cwd, 'data.csv'), 'x\n');

describe('parameters', () => {
  it("quotes exactly as Python's shlex.quote", () => {
    // Expected values are shlex.quote's output for the same inputs.
    assert.equal(shellQuote(''), "''");
    assert.equal(shellQuote('0.1'), '0.1');
    assert.equal(shellQuote('a/b-c_d.e@f%g+h=i:j,k'), 'a/b-c_d.e@f%g+h=i:j,k');
    assert.equal(shellQuote('a b'), "'a b'");
    assert.equal(shellQuote("it's"), `'it'"'"'s'`);
    assert.equal(shellQuote('$(rm -rf /)'), "'$(rm -rf /)'");
    assert.equal(shellQuote('é'), "'é'");
  });

  it("refuses missing parameters with MLflow's message, naming all of them", () => {
    const e = entry('run {a} {b} {c}', [
      { name: 'a', type: 'string', default: null },
      { name: 'b', type: 'int', default: '1' },
      { name: 'c', type: 'float', default: null },
    ]);
    assert.throws(() => checkParameters(e, {}, cwd), (err: Error) => err instanceof InvalidArgumentError && err.message === "No value given for missing parameters: 'a', 'c'");
  });

  it('refuses a float or int parameter whose value is not one', () => {
    const e = entry('run {lr} {n}', [
      { name: 'lr', type: 'float', default: '0.1' },
      { name: 'n', type: 'int', default: '1' },
    ]);
    assert.throws(() => checkParameters(e, { lr: 'fast' }, cwd), /Parameter 'lr' is a float, but got 'fast'\./);
    assert.throws(() => checkParameters(e, { n: '1.5' }, cwd), /Parameter 'n' is an int, but got '1.5'\./);
    assert.doesNotThrow(() => checkParameters(e, { lr: '1e-3', n: '-2' }, cwd));
    assert.doesNotThrow(() => checkParameters(e, { lr: 'nan', n: '1_000' }, cwd));
  });

  it("refuses a local path that does not exist, and a uri without a scheme (MLflow's messages)", () => {
    const e = entry('run {data} {u}', [
      { name: 'data', type: 'path', default: 'data.csv' },
      { name: 'u', type: 'uri', default: 's3://b/k' },
    ]);
    assert.throws(() => checkParameters(e, { data: 'nope.csv' }, cwd), /^InvalidArgumentError: Got value nope\.csv for parameter data, but no such file or directory was found\.$/);
    assert.throws(() => checkParameters(e, { u: 'plain' }, cwd), /Expected URI for parameter u but got plain/);
    assert.doesNotThrow(() => checkParameters(e, { data: `file://${join(cwd, 'data.csv')}` }, cwd));
  });

  it('fills the command with quoted values and absolute paths, logs the values as given (quoted), and appends extras as --key value', async () => {
    const e = entry('python t.py --name {name} --data {data} {{literal}}', [
      { name: 'name', type: 'string', default: null },
      { name: 'data', type: 'path', default: 'data.csv' },
    ]);
    const r = await resolveParameters(e, { name: 'a b', 'extra key': "it's", n: 3 }, { cwd });
    assert.equal(r.command, `python t.py --name 'a b' --data ${join(cwd, 'data.csv')} {literal} --'extra key' 'it'"'"'s' --n 3`);
    assert.deepEqual(r.logged, { name: "'a b'", data: 'data.csv', "'extra key'": `'it'"'"'s'`, n: '3' });
  });

  it('refuses a command placeholder that names no parameter', async () => {
    await assert.rejects(resolveParameters(entry('run {nope}', []), {}, { cwd }), /refers to \{nope\}, which is not one of its parameters/);
  });

  it('parses -P name=value at the first =, refusing a missing = and a repeated name', () => {
    assert.deepEqual(parseParameterArgs(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
    assert.throws(() => parseParameterArgs(['a']), /Invalid format for -P parameter: 'a'\. Use -P name=value\./);
    assert.throws(() => parseParameterArgs(['a=1', 'a=2']), /Repeated parameter: 'a'/);
  });
});
