// MLflow's scoring protocol (issue #6): every JSON input format, CSV for column signatures,
// params, the output shapes and the health endpoints, against a real ONNX model.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readMLmodel, writeMLmodel } from '@runlog/models';
import { serveModel, type ServeHandle } from '../src/index.js';
import { COLUMNS_ONNX, COLUMNS_SIGNATURE, LINEAR_ONNX, TWO_INPUT_ONNX, invoke, savedModel, send } from './support.js';

const X = [
  [1, 2, 3, 4],
  [-1, 0.5, 0.25, 8],
];

describe('serve: a single-input tensor model', () => {
  let server: ServeHandle;
  let expected: unknown;
  before(async () => {
    server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0 });
    expected = await server.model.predict(X);
  });
  after(() => server?.close());

  it('binds to loopback by default and reports its url', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.equal(server.url, `http://127.0.0.1:${server.port}`);
  });

  it('answers GET /ping and /health with 200 "\\n", and /version with the MLflow version it speaks', async () => {
    for (const path of ['/ping', '/health']) {
      const r = await send(server.url, { method: 'GET', path, contentType: null });
      assert.equal(r.status, 200);
      assert.equal(r.text, '\n');
    }
    const v = await send(server.url, { method: 'GET', path: '/version', contentType: null });
    assert.equal(v.status, 200);
    assert.equal(v.text, '3.18.0');
  });

  it('scores {"inputs": rows} and {"inputs": {name: rows}} as {"predictions": {output: rows}}', async () => {
    for (const body of [{ inputs: X }, { inputs: { x: X } }]) {
      const r = await invoke(server.url, body);
      assert.equal(r.status, 200, r.text);
      assert.match(r.contentType!, /^application\/json/);
      assert.deepEqual(r.json, { predictions: expected });
    }
  });

  it('scores {"instances": rows} and {"instances": [{name: row}]} (TF-serving row format)', async () => {
    for (const body of [{ instances: X }, { instances: X.map((x) => ({ x })) }]) {
      const r = await invoke(server.url, body);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { predictions: expected });
    }
  });

  it('scores dataframe_split and dataframe_records whose column is the input name', async () => {
    const split = await invoke(server.url, { dataframe_split: { columns: ['x'], data: X.map((x) => [x]) } });
    assert.equal(split.status, 200, split.text);
    assert.deepEqual(split.json, { predictions: expected });
    const records = await invoke(server.url, { dataframe_records: X.map((x) => ({ x })) });
    assert.equal(records.status, 200, records.text);
    assert.deepEqual(records.json, { predictions: expected });
  });

  it('accepts charset=utf-8 in any case, ignores keys beside the format key, and ignores params the model does not declare', async () => {
    const r = await invoke(server.url, { inputs: X, signature_name: 'serving_default', params: { foo: 1 } }, 'application/json; charset=UTF-8');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { predictions: expected });
  });

  it('drops inputs the signature does not declare, as MLflow does', async () => {
    const r = await invoke(server.url, { inputs: { x: X, extra: [[1]] } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { predictions: expected });
  });

  it('refuses text/csv for a tensor signature with 400 (MLflow 3.18 cannot read it either)', async () => {
    const r = await send(server.url, { body: 'a,b,c,d\n1,2,3,4\n', contentType: 'text/csv' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, 'BAD_REQUEST');
    assert.match(r.json.message, /text\/csv input is for models with a column-based signature/);
  });
});

describe('serve: a two-input tensor model', () => {
  let server: ServeHandle;
  const a = [
    [1, 2, 3],
    [0, 0, 1],
  ];
  const b = [
    [4, 5, 6],
    [1, 1, 1],
  ];
  before(async () => {
    server = await serveModel(await savedModel(TWO_INPUT_ONNX), { port: 0 });
  });
  after(() => server?.close());

  it('scores inputs, instances, dataframe_split and dataframe_records to the same {sum, prod}', async () => {
    const predictions = { sum: [[5, 7, 9], [1, 1, 2]], prod: [[4, 10, 18], [0, 0, 1]] };
    const bodies = [
      { inputs: { a, b } },
      { instances: [{ a: a[0], b: b[0] }, { a: a[1], b: b[1] }] },
      { dataframe_split: { columns: ['a', 'b'], data: [[a[0], b[0]], [a[1], b[1]]] } },
      { dataframe_records: [{ a: a[0], b: b[0] }, { a: a[1], b: b[1] }] },
    ];
    for (const body of bodies) {
      const r = await invoke(server.url, body);
      assert.equal(r.status, 200, `${JSON.stringify(body)}: ${r.text}`);
      assert.deepEqual(r.json, { predictions }, JSON.stringify(body));
    }
  });

  it('refuses instances rows whose inputs have different numbers of rows with 400', async () => {
    const r = await invoke(server.url, { instances: [{ a: a[0], b: b[0] }, { a: a[1] }] });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, 'BAD_REQUEST');
    assert.match(r.json.message, /The length of values for each input\/column name are not the same/);
  });
});

describe('serve: a column-signature model (CSV and DataFrame output)', () => {
  let server: ServeHandle;
  const predictions = [
    { w: 5, d: 4 },
    { w: 3, d: 6 },
  ];
  before(async () => {
    server = await serveModel(await savedModel(COLUMNS_ONNX, COLUMNS_SIGNATURE), { port: 0 });
  });
  after(() => server?.close());

  it('answers every JSON format with MLflow DataFrame records [{output: value}]', async () => {
    const bodies = [
      { dataframe_split: { columns: ['u', 'k'], data: [[1.5, 2], [0, 3]] } },
      { dataframe_split: { columns: ['u', 'k'], data: [[1.5, 2], [0, 3]], index: [7, 8] } },
      { dataframe_records: [{ u: 1.5, k: 2 }, { u: 0, k: 3 }] },
      { inputs: { u: [1.5, 0], k: [2, 3] } },
      { instances: [{ u: 1.5, k: 2 }, { u: 0, k: 3 }] },
    ];
    for (const body of bodies) {
      const r = await invoke(server.url, body);
      assert.equal(r.status, 200, `${JSON.stringify(body)}: ${r.text}`);
      assert.deepEqual(r.json, { predictions }, JSON.stringify(body));
    }
  });

  it('reads text/csv with a header in any column order, with quoting, CRLF and a BOM, dropping undeclared columns', async () => {
    for (const csv of ['u,k\n1.5,2\n0,3\n', 'k,u\r\n2,1.5\r\n3,0\r\n', '\uFEFF"u","k","note"\n1.5,2,"a, b"\n0,3,x\n']) {
      const r = await send(server.url, { body: csv, contentType: 'text/csv' });
      assert.equal(r.status, 200, `${JSON.stringify(csv)}: ${r.text}`);
      assert.deepEqual(r.json, { predictions }, JSON.stringify(csv));
    }
  });

  it('refuses CSV cells that do not fit the column type, and CSV without columns, with 400 BAD_REQUEST', async () => {
    for (const [csv, why] of [
      ['u,k\n1.5,2.5\n', /'2.5' in column 'k' is not a whole number/],
      ['u,k\nabc,2\n', /could not convert 'abc' in column 'u' to a number/],
      ['', /no columns to parse/],
      ['u,k\n1,2,3\n', /Invalid Record Length/i],
    ] as const) {
      const r = await send(server.url, { body: csv, contentType: 'text/csv' });
      assert.equal(r.status, 400, csv);
      assert.equal(r.json.error_code, 'BAD_REQUEST');
      assert.match(r.json.message, why);
    }
  });

  it('refuses a missing column with 400 INVALID_PARAMETER_VALUE naming it', async () => {
    const r = await send(server.url, { body: 'u\n1.5\n', contentType: 'text/csv' });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(r.json.message, /Missing column 'k'/);
  });
});

describe('serve: params', () => {
  let server: ServeHandle;
  before(async () => {
    const dir = await savedModel(LINEAR_ONNX, {
      inputs: { kind: 'tensor', inputs: [{ type: 'tensor', name: 'x', tensorSpec: { dtype: 'float32', shape: [-1, 4] } }] },
      params: [{ name: 'temperature', type: 'double', default: 1, shape: null }],
    });
    server = await serveModel(dir, { port: 0 });
  });
  after(() => server?.close());

  it('accepts declared params of the right type', async () => {
    const r = await invoke(server.url, { inputs: X, params: { temperature: 0.5 } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { predictions: await server.model.predict(X) });
  });

  it('refuses a param of the wrong type, and params that are not an object, with 400', async () => {
    const wrong = await invoke(server.url, { inputs: X, params: { temperature: 'hot' } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(wrong.json.message, /temperature/);
    const list = await invoke(server.url, { inputs: X, params: [1] });
    assert.equal(list.status, 400);
    assert.equal(list.json.error_code, 'BAD_REQUEST');
    assert.match(list.json.message, /'params' must be a JSON object/);
  });
});

describe('serve: a model without a signature (as Python may log one)', () => {
  let server: ServeHandle;
  before(async () => {
    const dir = await savedModel(LINEAR_ONNX);
    const mlmodel = await readMLmodel(dir);
    await writeMLmodel(dir, { ...mlmodel, signature: undefined });
    server = await serveModel(dir, { port: 0 });
  });
  after(() => server?.close());

  it('scores inputs by the graph\'s own input specs, and a DataFrame as rows answered with flattened records, as MLflow does', async () => {
    assert.equal(server.model.signature, undefined);
    const expected = (await server.model.predict(X)) as { y: number[][] };
    const r = await invoke(server.url, { inputs: X });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { predictions: expected });
    const df = await invoke(server.url, { dataframe_split: { columns: ['a', 'b', 'c', 'd'], data: X } });
    assert.equal(df.status, 200, df.text);
    assert.deepEqual(df.json, { predictions: expected.y.flat().map((y) => ({ y })) });
    const bad = await invoke(server.url, { inputs: [[1, 2]] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error_code, 'INVALID_PARAMETER_VALUE');
  });
});
