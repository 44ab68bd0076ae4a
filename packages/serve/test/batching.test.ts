// Dynamic batching (issue #6): concurrent requests are merged into one model call and each gets
// exactly its own rows back. Merging is observed through the server's model-call counters.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadModel, type TensorValue } from '@runlog/models';
import { serveModel, type ServeHandle } from '../src/index.js';
import { DynamicBatcher } from '../src/internal.js';
import { COLUMNS_ONNX, COLUMNS_SIGNATURE, LINEAR_ONNX, TWO_INPUT_ONNX, invoke, savedModel } from './support.js';

const rows = (n: number, seed: number) => Array.from({ length: n }, (_, r) => [seed, r, seed * r, -seed - r]);

describe('serve: dynamic batching over HTTP', () => {
  const servers: ServeHandle[] = [];
  after(() => Promise.all(servers.map((s) => s.close())));

  it('merges concurrent requests into one model call and splits the outputs back to the right requests', async () => {
    // The batch leaves once it holds 1+2+3+1 = 7 rows; maxWaitMs is long enough never to decide.
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, batching: { maxBatchSize: 7, maxWaitMs: 3_600_000 } });
    servers.push(server);
    const inputs = [rows(1, 1), rows(2, 2), rows(3, 3), rows(1, 4)];
    const replies = await Promise.all(inputs.map((x, i) => invoke(server.url, i % 2 ? { inputs: { x } } : { instances: x })));
    for (const [i, r] of replies.entries()) {
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json, { predictions: await server.model.predict(inputs[i]) }, `request ${i}`);
    }
    const s = server.stats();
    assert.equal(s.modelCalls, 1, JSON.stringify(s));
    assert.equal(s.mergedCalls, 1);
    assert.equal(s.mergedRequests, 4);
    assert.equal(s.maxBatchRows, 7);
  });

  it('merges multi-input and column-signature requests too', async () => {
    const two = await serveModel(await savedModel(TWO_INPUT_ONNX), { port: 0, batching: { maxBatchSize: 3, maxWaitMs: 3_600_000 } });
    const cols = await serveModel(await savedModel(COLUMNS_ONNX, COLUMNS_SIGNATURE), { port: 0, batching: { maxBatchSize: 3, maxWaitMs: 3_600_000 } });
    servers.push(two, cols);
    const ab = [
      { a: [[1, 2, 3]], b: [[1, 1, 1]] },
      { a: [[0, 1, 0], [2, 2, 2]], b: [[5, 5, 5], [0.5, 0.5, 0.5]] },
    ];
    const twoReplies = await Promise.all(ab.map((inputs) => invoke(two.url, { inputs })));
    for (const [i, r] of twoReplies.entries()) assert.deepEqual(r.json, { predictions: await two.model.predict(ab[i]) });
    assert.equal(two.stats().modelCalls, 1);

    const csvReplies = await Promise.all([
      invoke(cols.url, 'u,k\n1,1\n2,2\n', 'text/csv'),
      invoke(cols.url, { dataframe_records: [{ u: 0.5, k: 10 }] }),
    ]);
    assert.deepEqual(csvReplies[0]!.json, { predictions: [{ w: 3, d: 2 }, { w: 6, d: 4 }] });
    assert.deepEqual(csvReplies[1]!.json, { predictions: [{ w: 11, d: 20 }] });
    assert.equal(cols.stats().modelCalls, 1);
  });

  it('with batching off, every request is its own model call', async () => {
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, batching: false });
    servers.push(server);
    const replies = await Promise.all([1, 2, 3, 4].map((n) => invoke(server.url, { inputs: rows(n, n) })));
    for (const r of replies) assert.equal(r.status, 200);
    assert.equal(server.stats().modelCalls, 4);
    assert.equal(server.stats().mergedCalls, 0);
  });

  it('a request that fails the signature is refused on its own and never joins a batch', async () => {
    const server = await serveModel(await savedModel(LINEAR_ONNX), { port: 0, batching: { maxBatchSize: 2, maxWaitMs: 3_600_000 } });
    servers.push(server);
    const [good1, bad, good2] = await Promise.all([
      invoke(server.url, { inputs: rows(1, 1) }),
      invoke(server.url, { inputs: [[1, 2, 3]] }),
      invoke(server.url, { inputs: rows(1, 2) }),
    ]);
    assert.equal(bad!.status, 400);
    assert.equal(good1!.status, 200);
    assert.equal(good2!.status, 200);
    assert.deepEqual(good2!.json, { predictions: await server.model.predict(rows(1, 2)) });
    assert.equal(server.stats().modelCalls, 1);
  });
});

describe('DynamicBatcher', () => {
  const f32 = (data: number[][]): TensorValue => ({ dtype: 'float32', dims: [data.length, 4], data: Float32Array.from(data.flat()) });

  it('merges only requests with equal keys (params, row shapes), in arrival order, one call at a time', async () => {
    const model = await loadModel(await savedModel(LINEAR_ONNX));
    after(() => model.dispose());
    const calls: number[] = [];
    const batcher = new DynamicBatcher((inputs, params) => {
      calls.push(inputs.x!.dims[0]!);
      return model.predictTensors(inputs, params);
    });
    const tickets = [
      batcher.submit({ x: f32(rows(1, 1)) }, 1, 'p=1', undefined),
      batcher.submit({ x: f32(rows(2, 2)) }, 2, 'p=2', undefined),
      batcher.submit({ x: f32(rows(1, 3)) }, 1, 'p=1', undefined),
      batcher.submit({ x: f32(rows(3, 4)) }, 3, 'p=2', undefined),
    ];
    const outs = await Promise.all(tickets.map((t) => t.result));
    assert.deepEqual(calls, [2, 5]);
    for (const [i, n] of [1, 2, 1, 3].entries()) {
      const own = await model.predictTensors({ x: f32(rows(n, i + 1)) });
      assert.deepEqual(Array.from(outs[i]!.y!.data as Float32Array), Array.from(own.y!.data as Float32Array), `request ${i}`);
      assert.deepEqual(outs[i]!.y!.dims, [n, 3]);
    }
    assert.deepEqual(batcher.stats(), { mergedCalls: 2, mergedRequests: 4, maxRows: 5, unsplittable: 0 });
  });

  it('never exceeds maxBatchSize rows in one call', async () => {
    const calls: number[] = [];
    const batcher = new DynamicBatcher(
      async (inputs) => {
        calls.push(inputs.x!.dims[0]!);
        return { y: inputs.x! };
      },
      { maxBatchSize: 4 },
    );
    await Promise.all([3, 1, 2, 2, 5].map((n, i) => batcher.submit({ x: f32(rows(n, i)) }, n, '', undefined).result));
    assert.deepEqual(calls, [4, 4, 5]);
  });

  it('reruns a batch one request at a time when the outputs are not one row per input row', async () => {
    const calls: number[] = [];
    // A model that reduces over the batch: its output cannot be split by rows.
    const batcher = new DynamicBatcher(async (inputs) => {
      calls.push(inputs.x!.dims[0]!);
      const x = inputs.x!.data as Float32Array;
      return { total: { dtype: 'float32', dims: [1], data: Float32Array.of(x.reduce((s, v) => s + v, 0)) } };
    });
    const outs = await Promise.all([rows(1, 1), rows(2, 2)].map((r) => batcher.submit({ x: f32(r) }, r.length, '', undefined).result));
    assert.deepEqual(calls, [3, 1, 2]);
    assert.deepEqual(Array.from(outs[0]!.total!.data as Float32Array), [rows(1, 1).flat().reduce((s, v) => s + v, 0)]);
    assert.equal(batcher.stats().unsplittable, 1);
  });

  it('when a merged call fails, answers each request on its own so only the bad one fails', async () => {
    const batcher = new DynamicBatcher(async (inputs) => {
      if ((inputs.x!.data as Float32Array).some((v) => Number.isNaN(v))) throw new Error('NaN in input');
      return { y: inputs.x! };
    });
    const [ok, bad] = await Promise.allSettled([
      batcher.submit({ x: f32([[1, 2, 3, 4]]) }, 1, '', undefined).result,
      batcher.submit({ x: f32([[Number.NaN, 0, 0, 0]]) }, 1, '', undefined).result,
    ]);
    assert.equal(ok.status, 'fulfilled');
    assert.equal(bad.status, 'rejected');
    assert.match(String((bad as PromiseRejectedResult).reason), /NaN in input/);
  });

  it('cancel() removes a queued request before it reaches the model', async () => {
    const calls: number[] = [];
    const batcher = new DynamicBatcher(async (inputs) => {
      calls.push(inputs.x!.dims[0]!);
      return { y: inputs.x! };
    });
    const a = batcher.submit({ x: f32(rows(1, 1)) }, 1, '', undefined);
    const b = batcher.submit({ x: f32(rows(2, 2)) }, 2, '', undefined);
    b.cancel();
    await a.result;
    assert.deepEqual(calls, [1]);
    assert.equal(batcher.pending, 0);
  });
});
