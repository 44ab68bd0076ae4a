// Issue 10, small ones: a param changed on a resumed run was only reported through onError, and
// endRun resolved as if the run held what was logged; a tag given an object was silently
// JSON-stringified where MLflow writes Python's str().
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { InvalidArgumentError } from '../src/errors.js';
import { configure, endRun, logParam, setTrackingUri, shutdown, startRun } from '../src/fluent.js';

describe('refused records and tag values (issue 10)', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'runlog-refused-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('endRun rejects after ending a resumed run whose changed param the store refused', async () => {
    const uri = join(root, 'mlruns');
    const first = new RunlogClient({ trackingUri: uri });
    const runId = (await first.createRun('0')).info.runId;
    first.logParam(runId, 'lr', '0.1');
    await first.setTerminated(runId);
    await first.close(1000);

    // Another process resumes the run: it does not know the logged params, the store refuses.
    const errors: Error[] = [];
    const second = new RunlogClient({ trackingUri: uri, onError: (e) => errors.push(e) });
    second.logParam(runId, 'lr', '0.2');
    second.logParam(runId, 'batch', '32');
    await assert.rejects(second.setTerminated(runId), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError);
      assert.match(err.message, new RegExp(`Run ${runId} ended, but .* refused 1 of its record\\(s\\)`));
      assert.match(err.message, /lr/);
      return true;
    });
    assert.equal(errors.length, 1, 'onError still hears of it when it happens');
    const run = await second.getRun(runId);
    assert.equal(run.info.status, 'FINISHED');
    assert.deepEqual(run.data.params, { lr: '0.1', batch: '32' });
    // Reported once: ending again does not reject for the same refusal.
    await second.setTerminated(runId);
    await second.close(1000);
  });

  it('the fluent endRun rejects the same way', async () => {
    const uri = join(root, 'fluent');
    configure({ onError: () => undefined });
    setTrackingUri(uri);
    const run = await startRun();
    logParam('p', 'a');
    await endRun();
    setTrackingUri(uri); // a new client: it knows nothing of the run's params, as a new process
    await startRun({ runId: run.runId });
    logParam('p', 'b');
    await assert.rejects(endRun(), /refused 1 of its record/);
    await shutdown(1000);
    configure({});
  });

  it('refuses an object or an array as a tag value, and keeps strings, numbers and booleans', async () => {
    const client = new RunlogClient({ trackingUri: join(root, 'tags') });
    const runId = (await client.createRun('0')).info.runId;
    assert.throws(() => client.setTag(runId, 't', { a: 1 }), /Invalid value for tag 't': an object\. Tag values are text/);
    assert.throws(() => client.setTag(runId, 't', [1, 2]), /an array/);
    await assert.rejects(client.createRun('0', { tags: { t: { nested: true } as never } }), InvalidArgumentError);
    client.setTag(runId, 'n', 3);
    client.setTag(runId, 's', 'x');
    await client.setTerminated(runId);
    const run = await client.getRun(runId);
    assert.equal(run.data.tags.n, '3');
    assert.equal(run.data.tags.s, 'x');
    assert.equal(run.data.tags.t, undefined);
    await client.close(1000);
  });
});
