// Error answers of the scoring server (issue #6): MLflow's JSON error shape and status codes, the
// signature checked before the model runs, body limits and the request timeout — and the server
// keeps serving after each of them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serveModel, type ServeHandle } from '../src/index.js';
import { LINEAR_ONNX, invoke, savedModel, send } from './support.js';

const GOOD = { inputs: [[1, 2, 3, 4]] };

describe('serve: error answers', () => {
  let server: ServeHandle;
  let expected: unknown;
  before(async () => {
    server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, maxBodyBytes: 2048 });
    expected = { predictions: await server.model.predict(GOOD.inputs) };
  });
  after(() => server?.close());

  /** After every error, the same server still scores a good request. */
  async function stillServes(): Promise<void> {
    const r = await invoke(server.url, GOOD);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, expected);
  }

  const cases: Array<[string, string, string, number, string, RegExp]> = [
    ['malformed JSON', 'application/json', '{"inputs": [[1,2', 400, 'BAD_REQUEST', /^Invalid input\. Ensure that input is a valid JSON formatted string\. Error: /],
    ['an empty body', 'application/json', '', 400, 'BAD_REQUEST', /valid JSON formatted string/],
    ['a top-level list', 'application/json', '[[1,2,3,4]]', 400, 'BAD_REQUEST', /exactly one of the input fields .* Received a list\./],
    ['a top-level string', 'application/json', '"x"', 400, 'BAD_REQUEST', /Received string\./],
    ['no format key', 'application/json', '{"data": [[1,2,3,4]]}', 400, 'BAD_REQUEST', /exactly one of the input fields .*Received dictionary with input fields: \["data"\]\. IMPORTANT: The MLflow Model scoring protocol has changed/],
    ['two format keys', 'application/json', '{"inputs": [[1,2,3,4]], "instances": [[1,2,3,4]]}', 400, 'BAD_REQUEST', /Received dictionary with input fields: \["inputs","instances"\]/],
    ['dataframe_split as a list', 'application/json', '{"dataframe_split": [[1,2,3,4]]}', 400, 'BAD_REQUEST', /Dataframe split format must be a dictionary\. Got list\./],
    ['dataframe_split with an extra key', 'application/json', '{"dataframe_split": {"data": [], "rows": 1}}', 400, 'BAD_REQUEST', /must have 'data' field and optionally 'columns' and 'index' fields/],
    ['dataframe_split with ragged rows', 'application/json', '{"dataframe_split": {"columns": ["x"], "data": [[1, 2]]}}', 400, 'BAD_REQUEST', /not a valid dataframe representation in 'split' format/],
    ['dataframe_records as an object', 'application/json', '{"dataframe_records": {"x": 1}}', 400, 'BAD_REQUEST', /Dataframe records format must be a list of records\. Got dictionary\./],
    ['a wrong dimension', 'application/json', '{"inputs": [[1,2,3]]}', 400, 'INVALID_PARAMETER_VALUE', /Input 'x': dimension 1 has size 3 at \[0\], expected 4 \(shape \(-1, 4\)\)/],
    ['a wrong rank', 'application/json', '{"inputs": [1,2,3,4]}', 400, 'INVALID_PARAMETER_VALUE', /Input 'x': expected a rank-2 tensor \(-1, 4\), got rank 1/],
    ['a wrong dtype', 'application/json', '{"inputs": [["a","b","c","d"]]}', 400, 'INVALID_PARAMETER_VALUE', /Input 'x': expected float32 values, got "a"/],
    ['a ragged array', 'application/json', '{"inputs": [[1,2,3,4],[1,2]]}', 400, 'INVALID_PARAMETER_VALUE', /Input 'x'/],
    ['a missing named input', 'application/json', '{"inputs": {"y": [[1,2,3,4]]}}', 400, 'INVALID_PARAMETER_VALUE', /Missing input 'x'/],
    ['text/plain', 'text/plain', JSON.stringify(GOOD), 415, 'BAD_REQUEST', /^This predictor only supports the following content types: Types: \['text\/csv', 'application\/json'\]\. Got 'text\/plain'\.$/],
    ['a latin-1 charset', 'application/json; charset=latin-1', JSON.stringify(GOOD), 415, 'BAD_REQUEST', /^The scoring server only supports UTF-8$/],
    ['an unknown content-type parameter', 'application/json; format=pandas-split', JSON.stringify(GOOD), 415, 'BAD_REQUEST', /^Unrecognized content type parameters: format\. IMPORTANT/],
    // Issue 10: empty content-type parameters, float32 overflow, runlog's tensor objects over HTTP.
    ['empty content-type parameters', 'application/json;;;', JSON.stringify(GOOD), 415, 'BAD_REQUEST', /^Unrecognized content type parameters: ''\. IMPORTANT/],
    ['a float32 overflow', 'application/json', '{"inputs": [[1e308,2,3,4]]}', 400, 'INVALID_PARAMETER_VALUE', /Input 'x': value 1e\+308 at index 0 is out of range for float32/],
    ['a tensor object', 'application/json', '{"inputs": {"dtype": "float16", "dims": [1, 4], "data": [1, 2, 3, 4]}}', 400, 'BAD_REQUEST', /Tensor objects \{dtype, dims, data\} are not part of MLflow's scoring protocol/],
    ['a named tensor object with int64 strings', 'application/json', '{"inputs": {"x": {"dtype": "int64", "dims": [1, 4], "data": ["1", "2", "3", "4"]}}}', 400, 'BAD_REQUEST', /Tensor objects/],
    ['a tensor object with a "__proto__" dtype', 'application/json', '{"instances": {"x": {"dtype": "__proto__", "dims": [1, 4], "data": [1, 2, 3, 4]}}}', 400, 'BAD_REQUEST', /Tensor objects/],
  ];
  for (const [what, contentType, body, status, code, message] of cases) {
    it(`answers ${what} with ${status} ${code}, then keeps serving`, async () => {
      const r = await send(server.url, { body, contentType });
      assert.equal(r.status, status, r.text);
      assert.match(r.contentType!, /^application\/json/);
      assert.equal(r.json.error_code, code, r.text);
      assert.match(r.json.message, message);
      await stillServes();
    });
  }

  it('answers a body that is not UTF-8 with 400', async () => {
    const r = await send(server.url, { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), contentType: 'application/json' });
    assert.equal(r.status, 400);
    assert.match(r.json.message, /valid UTF-8/);
    await stillServes();
  });

  it('answers a request without Content-Type with 415', async () => {
    const r = await send(server.url, { body: JSON.stringify(GOOD), contentType: null });
    assert.equal(r.status, 415);
    assert.match(r.json.message, /Got '\(none\)'/);
    await stillServes();
  });

  it('answers a declared Content-Length over maxBodyBytes with 413 and closes that connection', async () => {
    const r = await send(server.url, { body: JSON.stringify({ inputs: Array.from({ length: 400 }, () => [1, 2, 3, 4]) }) });
    assert.equal(r.status, 413);
    assert.equal(r.json.error_code, 'REQUEST_LIMIT_EXCEEDED');
    assert.match(r.json.message, /exceeds the limit of 2048 bytes/);
    assert.equal(r.headers.connection, 'close');
    await stillServes();
  });

  it('counts a chunked body as it streams and answers 413 once it passes the limit', async () => {
    const row = JSON.stringify([1, 2, 3, 4]);
    const chunks = ['{"inputs": [', ...Array.from({ length: 400 }, (_, i) => (i ? ',' : '') + row), ']}'];
    const r = await send(server.url, { chunks });
    assert.equal(r.status, 413);
    assert.equal(r.json.error_code, 'REQUEST_LIMIT_EXCEEDED');
    await stillServes();
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    const nf = await send(server.url, { method: 'GET', path: '/predict', contentType: null });
    assert.equal(nf.status, 404);
    assert.equal(nf.json.error_code, 'ENDPOINT_NOT_FOUND');
    const get = await send(server.url, { method: 'GET', path: '/invocations', contentType: null });
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
    const post = await send(server.url, { method: 'POST', path: '/ping', body: '' });
    assert.equal(post.status, 405);
    await stillServes();
  });

  it('counts requests and errors', () => {
    const s = server.stats();
    assert.ok(s.requests > s.errors && s.errors >= cases.length, JSON.stringify(s));
    assert.equal(s.inflight, 0);
    assert.equal(s.queued, 0);
  });
});

describe('serve: request timeout', () => {
  let server: ServeHandle;
  before(async () => {
    // A request waits for its batch to fill (4 rows, up to an hour), so a 1-row request cannot be
    // answered before the 50 ms deadline: the deadline, not the model, decides.
    server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, timeoutMs: 50, batching: { maxBatchSize: 4, maxWaitMs: 3_600_000 } });
  });
  after(() => server?.close());

  it('answers 504 DEADLINE_EXCEEDED, drops the request from the queue, and keeps serving', async () => {
    const r = await invoke(server.url, GOOD);
    assert.equal(r.status, 504);
    assert.equal(r.json.error_code, 'DEADLINE_EXCEEDED');
    assert.match(r.json.message, /^Request processing time exceeded limit/);
    assert.equal(server.stats().queued, 0);
    assert.equal(server.stats().modelCalls, 0);
    const full = { inputs: [[1, 2, 3, 4], [0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2]] };
    const ok = await invoke(server.url, full);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(ok.json, { predictions: await server.model.predict(full.inputs) });
  });
});
