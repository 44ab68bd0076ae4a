import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ModelFormatError } from '@runlog/core';
import { inspectOnnxModel, looksLikeOnnxModel } from '../src/onnx-proto.js';
import { EXTERNAL, LINEAR, TWO_INPUT, readFixture } from './support/fixtures.js';

describe('ONNX ModelProto reader', () => {
  it('reads the IR version, producer and opsets of a model built by the onnx package', async () => {
    const info = inspectOnnxModel(await readFixture(LINEAR));
    assert.equal(info.irVersion, 8);
    assert.equal(info.producerName, 'runlog-fixtures');
    assert.deepEqual(info.opsetImports, [{ domain: '', version: 17 }]);
    assert.deepEqual(info.externalDataLocations, []);
  });

  it('lists the external-data files a model references, once each', async () => {
    const info = inspectOnnxModel(await readFixture(EXTERNAL));
    assert.deepEqual(info.externalDataLocations, ['onnx-external.weights']);
  });

  it('tells ONNX bytes from other bytes without throwing', async () => {
    assert.equal(looksLikeOnnxModel(await readFixture(LINEAR)), true);
    assert.equal(looksLikeOnnxModel(await readFixture(TWO_INPUT)), true);
    assert.equal(looksLikeOnnxModel(new Uint8Array()), false);
    assert.equal(looksLikeOnnxModel(new TextEncoder().encode('{"not": "onnx"}')), false);
    assert.equal(looksLikeOnnxModel(new TextEncoder().encode('PK\u0003\u0004 zip file')), false);
    assert.equal(looksLikeOnnxModel(Uint8Array.from([0x08, 0x08])), false, 'an ir_version alone has no graph');
    assert.equal(looksLikeOnnxModel(new Uint8Array(64).fill(0xff)), false);
  });

  it('rejects truncated model bytes with ModelFormatError', async () => {
    const bytes = await readFixture(LINEAR);
    assert.throws(
      () => inspectOnnxModel(bytes.subarray(0, bytes.length - 7), 'truncated.onnx'),
      (err: unknown) => err instanceof ModelFormatError && err.code === 'RUNLOG_ERR_MODEL_FORMAT' && /truncated\.onnx/.test(err.message),
    );
  });
});
