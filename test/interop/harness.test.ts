// Proves the real-MLflow interop harness (test/support/mlflow-env.ts): the venv resolves to
// mlflow 3.18.0, a server starts and answers /health and /version, a Python MlflowClient and a
// Node fetch see the same server state, and restart() keeps port and stores.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { MLFLOW_VERSION, ensureMlflow, runPython, startMlflowServer, type MlflowServer } from '../support/mlflow-env.js';

const env = await ensureMlflow();
// Both servers of this file start at once, each awaited by its own suite: the file-backend server
// is up when its suite comes, instead of starting only after the first suite (restart included).
const starting = env ? { sqlite: startMlflowServer(env), file: startMlflowServer(env, { backend: 'file' }) } : undefined;
// A start that fails rejects in the suite that awaits it, not as an unhandled rejection.
for (const start of Object.values(starting ?? {})) start.catch(() => undefined);

describe('interop harness', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;

  before(async () => {
    server = await starting!.sqlite;
  });

  after(async () => {
    await server?.stop();
  });

  test('venv carries the expected mlflow', async () => {
    assert.equal(env!.version, MLFLOW_VERSION);
    const out = await runPython(env!, 'import json, mlflow\nprint(json.dumps({"v": mlflow.__version__}))');
    assert.deepEqual(out, { v: '3.18.0' });
  });

  test('server answers /health and /version', async () => {
    assert.match(server.uri, /^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.uri}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'OK');
    const version = await fetch(`${server.uri}/version`);
    assert.equal(version.status, 200);
    assert.equal(await version.text(), '3.18.0');
  });

  test('runPython rejects with the stderr tail on failure', async () => {
    await assert.rejects(runPython(env!, 'import sys\nsys.stderr.write("boom-marker\\n")\nsys.exit(3)'), /boom-marker/);
  });

  test('an experiment created by the Python client is visible over REST from Node', async () => {
    const name = `harness-${Date.now()}`;
    const created = await runPython(
      env!,
      `
import json
from mlflow import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
eid = c.create_experiment(${JSON.stringify(name)})
print(json.dumps({"id": eid}))
`,
    );
    assert.equal(typeof created.id, 'string');
    const res = await fetch(
      `${server.uri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as { experiment: { experiment_id: string; name: string; artifact_location: string } };
    assert.equal(body.experiment.experiment_id, created.id);
    assert.equal(body.experiment.name, name);
    // Artifacts are proxied by the server into server.artifactsDir.
    assert.equal(body.experiment.artifact_location, `mlflow-artifacts:/${created.id}`);
  });

  test('restart keeps port and stores', async () => {
    const name = `harness-restart-${Date.now()}`;
    const create = await fetch(`${server.uri}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    assert.equal(create.status, 200);
    const { experiment_id } = (await create.json()) as { experiment_id: string };
    const uriBefore = server.uri;

    await server.stop();
    await server.stop(); // idempotent
    await assert.rejects(fetch(`${server.uri}/health`, { signal: AbortSignal.timeout(2000) }));

    await server.restart();
    assert.equal(server.uri, uriBefore);
    const res = await fetch(
      `${server.uri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`,
    );
    assert.equal(res.status, 200);
    const body = (await res.json()) as { experiment: { experiment_id: string } };
    assert.equal(body.experiment.experiment_id, experiment_id);
  });
});

describe('interop harness, file backend', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;

  before(async () => {
    server = await starting!.file;
  });

  after(async () => {
    await server?.stop();
  });

  test('file store server serves the REST API', async () => {
    assert.match(server.backendUri, /^file:\/\/\//);
    const res = await fetch(`${server.uri}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { experiment: { experiment_id: string } };
    assert.equal(body.experiment.experiment_id, '0');
  });
});
