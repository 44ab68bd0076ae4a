import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as errors from '../src/errors.js';

const README = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('error codes', () => {
  it('each code in ERROR_CODES belongs to its class, and every class is an exported RunlogError', () => {
    for (const [code, cls] of Object.entries(errors.ERROR_CODES)) {
      assert.ok(cls.prototype instanceof errors.RunlogError, `${cls.name} extends RunlogError`);
      assert.equal((errors as Record<string, unknown>)[cls.name], cls, `${cls.name} is exported`);
      const sample = Object.create(cls.prototype) as errors.RunlogError;
      assert.ok(sample instanceof errors.RunlogError);
      assert.match(code, /^RUNLOG_ERR_[A-Z_]+$/);
    }
    const codes = [
      new errors.InvalidArgumentError('x').code,
      new errors.NoActiveRunError().code,
      new errors.RunAlreadyActiveError('r').code,
      new errors.NotFoundError('x').code,
      new errors.MlflowServerError(400, 'BAD_REQUEST', 'x').code,
      new errors.NetworkError('x').code,
      new errors.UnsentRecordsError(1, 'x').code,
      new errors.CorruptStoreError('x').code,
      new errors.StoreWriteError('ENOSPC', '/x', 'x').code,
      new errors.InvalidFilterError('x').code,
      new errors.ClosedError().code,
      new errors.QueueFullError(1).code,
      new errors.ModelFormatError('x').code,
      new errors.UnknownFlavorError('x').code,
      new errors.SchemaMismatchError('x').code,
      new errors.InvalidModelUriError('x').code,
      new errors.AlreadyExistsError('x').code,
    ];
    assert.deepEqual(codes.sort(), Object.keys(errors.ERROR_CODES).sort());
    for (const code of codes) assert.equal(new (errors.ERROR_CODES as any)[code]('x', 'y', 'z').code ?? code, code);
  });

  it('the README error table lists exactly the codes and classes there are', () => {
    const rows = [...README.matchAll(/^\| `(RUNLOG_ERR_[A-Z_]+)` \| `(\w+)` \|/gm)].map((m) => [m[1], m[2]]);
    const expected = Object.entries(errors.ERROR_CODES).map(([code, cls]) => [code, cls.name]);
    assert.deepEqual(rows.sort(), expected.sort());
  });
});
