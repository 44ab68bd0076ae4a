import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InvalidArgumentError } from '@runlog/core';
import { datasetFromArrays, datasetFromCsv, datasetFromJson, datasetFromRecords } from '../src/index.js';

// Every expected digest was computed by Python MLflow 3.18 (mlflow.data.from_numpy / from_pandas,
// pandas 2) for the same values, dtypes and shapes.

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-datasets-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('datasetFromArrays (mlflow.data.from_numpy)', () => {
  it("computes Python's digest for typed arrays with targets, and MLflow's schema and profile", () => {
    const d = datasetFromArrays({ values: new Float32Array([1.5, 2, 3, 4, 5, 6]), shape: [2, 3] }, { targets: new BigInt64Array([0n, 1n]), name: 'train-np' });
    assert.equal(d.name, 'train-np');
    assert.equal(d.digest, '8d613aaf');
    assert.equal(d.sourceType, 'code');
    assert.equal(
      d.schema,
      '{"mlflow_tensorspec": {"features": "[{\\"type\\": \\"tensor\\", \\"tensor-spec\\": {\\"dtype\\": \\"float32\\", \\"shape\\": [-1, 3]}}]", "targets": "[{\\"type\\": \\"tensor\\", \\"tensor-spec\\": {\\"dtype\\": \\"int64\\", \\"shape\\": [-1]}}]"}}',
    );
    assert.equal(d.profile, '{"features_shape": [2, 3], "features_size": 6, "features_nbytes": 24, "targets_shape": [2], "targets_size": 2, "targets_nbytes": 16}');
    assert.equal(datasetFromArrays({ values: new Float32Array([1.5, 2, 3, 4, 5, 6]), shape: [2, 3] }).digest, '6baedf70');
  });

  it('reads nested JS numbers as float64 (and -0 as 0), booleans as bool, named features by sorted name', () => {
    assert.equal(datasetFromArrays([[1.5, 2], [3.25, -0]]).digest, '9cd89858');
    assert.equal(datasetFromArrays([true, false]).digest, 'c3712814');
    const named = datasetFromArrays(
      { b: new Int32Array([1, 2, 3]), a: { values: new Float32Array([0.5, 1.5]), shape: [1, 2] } },
      { targets: new Uint8Array([1, 0, 1]) },
    );
    assert.equal(named.digest, '8c66169e');
    assert.match(named.schema!, /\\"name\\": \\"b\\", \\"type\\": \\"tensor\\"/);
    assert.equal(JSON.parse(named.profile!).features_shape.a.join(','), '1,2');
  });

  it('hashes only the first 10,000 elements but always the full shape', () => {
    const values = Float64Array.from({ length: 20_000 }, (_, i) => i);
    assert.equal(datasetFromArrays({ values, shape: [10_000, 2] }).digest, '42ec0ad0');
    const changedTail = Float64Array.from(values);
    changedTail[19_999] = -1;
    assert.equal(datasetFromArrays({ values: changedTail, shape: [10_000, 2] }).digest, '42ec0ad0');
  });

  it('is stable across calls and changes when a value, a dtype or the shape changes', () => {
    const base = datasetFromArrays({ values: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }).digest;
    assert.equal(datasetFromArrays({ values: new Float32Array([1, 2, 3, 4]), shape: [2, 2] }).digest, base);
    assert.notEqual(datasetFromArrays({ values: new Float32Array([1, 2, 3, 5]), shape: [2, 2] }).digest, base);
    assert.notEqual(datasetFromArrays({ values: new Float64Array([1, 2, 3, 4]), shape: [2, 2] }).digest, base);
    assert.notEqual(datasetFromArrays({ values: new Float32Array([1, 2, 3, 4]), shape: [4, 1] }).digest, base);
  });

  it('refuses ragged arrays, mixed values and a shape that does not fit', () => {
    assert.throws(() => datasetFromArrays([[1, 2], [3]]), InvalidArgumentError);
    assert.throws(() => datasetFromArrays([1, 'a'] as unknown as number[]), InvalidArgumentError);
    assert.throws(() => datasetFromArrays({ values: new Float32Array(5), shape: [2, 3] }), InvalidArgumentError);
  });

  it('records a path or URI source as MLflow resolves it', () => {
    const src = (s: string) => {
      const d = datasetFromArrays([1], { source: s });
      return [d.sourceType, d.source];
    };
    assert.deepEqual(src('s3://bucket/train.parquet'), ['s3', '{"uri": "s3://bucket/train.parquet"}']);
    assert.deepEqual(src('https://example.com/d.csv'), ['http', '{"url": "https://example.com/d.csv"}']);
    assert.deepEqual(src('file:///data/d.csv'), ['local', '{"uri": "file:///data/d.csv"}']);
  });
});

describe('tables (mlflow.data.from_pandas)', () => {
  it("types a CSV file as pandas.read_csv does and computes Python's digest, with the file as a local source", async () => {
    const file = join(tmp, 'm.csv');
    await writeFile(file, 'x,y,flag,label\n1,0.5,True,cat\n2,,False,dog\n3,1.5,True,\n');
    const d = await datasetFromCsv(file, { name: 'm' });
    assert.equal(d.digest, '62099cce');
    assert.equal(d.sourceType, 'local');
    assert.equal(d.source, JSON.stringify({ uri: file }).replace(':', ': '));
    assert.equal(
      d.schema,
      '{"mlflow_colspec": [{"type": "long", "name": "x", "required": true}, {"type": "double", "name": "y", "required": false}, ' +
        '{"type": "boolean", "name": "flag", "required": true}, {"type": "string", "name": "label", "required": false}]}',
    );
    assert.equal(d.profile, '{"num_rows": 3, "num_elements": 12}');
  });

  it('gives records, a CSV and a JSON file of the same table the same digest, and a changed cell another', async () => {
    const rows = [{ a: 1, b: 2.5, name: 'x' }, { a: 3, b: 4.5, name: 'y' }];
    const csv = join(tmp, 't.csv');
    const json = join(tmp, 't.json');
    await writeFile(csv, 'a,b,name\n1,2.5,x\n3,4.5,y\n');
    await writeFile(json, JSON.stringify(rows));
    const fromRecords = datasetFromRecords(rows).digest;
    assert.equal(fromRecords, '889c5e4c');
    assert.equal((await datasetFromCsv(csv)).digest, fromRecords);
    assert.equal((await datasetFromJson(json)).digest, fromRecords);
    assert.notEqual(datasetFromRecords([{ a: 1, b: 2.5, name: 'x' }, { a: 3, b: 4.5, name: 'z' }]).digest, fromRecords);
  });

  it('refuses a missing file or a JSON file that is not an array of records with InvalidArgumentError', async () => {
    await assert.rejects(datasetFromCsv(join(tmp, 'absent.csv')), InvalidArgumentError);
    const bad = join(tmp, 'bad.json');
    await writeFile(bad, '{"a": 1}');
    await assert.rejects(datasetFromJson(bad), InvalidArgumentError);
  });
});
