// `runlog serve` of registry URIs: a model logged and registered on the local store is served by
// alias and by stage, and answers what loading the version directly predicts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel, logModel, RunlogClient, serveModel } from 'runlog';

const LINEAR = fileURLToPath(new URL('./fixtures/onnx-linear.onnx', import.meta.url));
const X = [
  [1, 2, 3, 4],
  [0.5, -1, 2, 0],
];

describe('serveModel with models:/ URIs', () => {
  let dir: string;
  let client: RunlogClient;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-serve-registry-'));
    client = new RunlogClient({ trackingUri: join(dir, 'mlruns') });
    const run = await client.createRun('0');
    await logModel(LINEAR, { name: 'linear', client, runId: run.info.runId, registeredModelName: 'lin' });
    await client.setRegisteredModelAlias('lin', 'champion', 1);
    await client.transitionModelVersionStage('lin', 1, 'Production');
  });
  after(async () => {
    await client?.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const uri of ['models:/lin@champion', 'models:/lin/Production']) {
    it(`serves ${uri} with the predictions of version 1`, async () => {
      const direct = await loadModel('models:/lin/1', { client });
      const expected = await direct.predict(X);
      await direct.dispose();
      const server = await serveModel(uri, { port: 0, loadOptions: { client } });
      try {
        const res = await fetch(`${server.url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: X }),
        });
        assert.equal(res.status, 200);
        assert.deepEqual(await res.json(), { predictions: expected });
      } finally {
        await server.close();
      }
    });
  }
});
