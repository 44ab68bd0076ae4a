import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startUiServer, type UiServer } from '@runlog/ui';
import { FileRegistryStore } from '@runlog/core/internal';
import { makeUiStoreFixture, type UiStoreFixture } from '../../../test/support/ui-store-fixture.js';
import { getJson, postJson } from './support/ui-http.js';

describe('runlog ui over a local store: the writes the UI offers', () => {
  let fx: UiStoreFixture;
  let ui: UiServer;
  let readOnly: UiServer;

  before(async () => {
    fx = await makeUiStoreFixture({ runs: 6, artifacts: false });
    const registry = new FileRegistryStore(fx.rootDir);
    await registry.createRegisteredModel('classifier');
    for (const run of fx.runs.slice(0, 2)) await registry.createModelVersion({ name: 'classifier', source: `runs:/${run.runId}/model`, runId: run.runId });
    await registry.close();
    ui = await startUiServer({ trackingUri: fx.rootDir, port: 0 });
    readOnly = await startUiServer({ trackingUri: fx.rootDir, port: 0, readOnly: true });
  });
  after(async () => {
    await ui?.close();
    await readOnly?.close();
    await fx?.cleanup();
  });

  const runOf = async (server: UiServer, runId: string) => (await getJson(server.url, `/api/2.0/mlflow/runs/get?run_id=${runId}`)).body.run;
  const tagsOf = (run: any) => Object.fromEntries(run.data.tags.map((t: any) => [t.key, t.value]));

  it('renames a run, and the next search shows the new name', async () => {
    const run = fx.runs[1]!;
    const res = await postJson(ui.url, '/api/2.0/mlflow/runs/update', { run_id: run.runId, run_name: 'renamed' });
    assert.equal(res.status, 200);
    assert.equal(res.body.run_info.run_name, 'renamed');
    const found = await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds, filter: "attributes.run_name = 'renamed'" });
    assert.deepEqual(found.body.runs.map((r: any) => r.info.run_id), [run.runId]);
    assert.equal(tagsOf(found.body.runs[0])['mlflow.runName'], 'renamed');
  });

  it('sets and deletes a tag and the description (mlflow.note.content)', async () => {
    const run = fx.runs[2]!;
    assert.equal((await postJson(ui.url, '/api/2.0/mlflow/runs/set-tag', { run_id: run.runId, key: 'reviewed', value: 'yes' })).status, 200);
    assert.equal((await postJson(ui.url, '/api/2.0/mlflow/runs/set-tag', { run_id: run.runId, key: 'mlflow.note.content', value: '# Notes' })).status, 200);
    let tags = tagsOf(await runOf(ui, run.runId));
    assert.equal(tags.reviewed, 'yes');
    assert.equal(tags['mlflow.note.content'], '# Notes');
    const filtered = await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds, filter: "tags.reviewed = 'yes'" });
    assert.deepEqual(filtered.body.runs.map((r: any) => r.info.run_id), [run.runId]);
    assert.equal((await postJson(ui.url, '/api/2.0/mlflow/runs/delete-tag', { run_id: run.runId, key: 'reviewed' })).status, 200);
    tags = tagsOf(await runOf(ui, run.runId));
    assert.equal(tags.reviewed, undefined);
    const again = await postJson(ui.url, '/api/2.0/mlflow/runs/delete-tag', { run_id: run.runId, key: 'reviewed' });
    assert.equal(again.status, 404);
    const badKey = await postJson(ui.url, '/api/2.0/mlflow/runs/set-tag', { run_id: run.runId, key: '../escape', value: 'x' });
    assert.equal(badKey.status, 400);
  });

  it('deletes and restores a run; deleted runs leave the default view', async () => {
    const run = fx.runs[3]!;
    const ids = async (view: string) =>
      (await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds, run_view_type: view })).body.runs?.map((r: any) => r.info.run_id) ?? [];
    assert.equal((await postJson(ui.url, '/api/2.0/mlflow/runs/delete', { run_id: run.runId })).status, 200);
    assert.ok(!(await ids('ACTIVE_ONLY')).includes(run.runId));
    assert.deepEqual(await ids('DELETED_ONLY'), [run.runId]);
    assert.equal((await runOf(ui, run.runId)).info.lifecycle_stage, 'deleted');
    assert.equal((await postJson(ui.url, '/api/2.0/mlflow/runs/restore', { run_id: run.runId })).status, 200);
    assert.ok((await ids('ACTIVE_ONLY')).includes(run.runId));
  });

  it('sets, reads and deletes a registered model alias', async () => {
    const set = await postJson(ui.url, '/api/2.0/mlflow/registered-models/alias', { name: 'classifier', alias: 'champion', version: '2' });
    assert.equal(set.status, 200);
    const model = await getJson(ui.url, '/api/2.0/mlflow/registered-models/get?name=classifier');
    assert.deepEqual(model.body.registered_model.aliases, [{ alias: 'champion', version: '2' }]);
    const byAlias = await getJson(ui.url, '/api/2.0/mlflow/registered-models/alias?name=classifier&alias=champion');
    assert.equal(byAlias.body.model_version.version, '2');
    const del = await postJson(ui.url, '/api/2.0/mlflow/registered-models/alias', { name: 'classifier', alias: 'champion' }, 'DELETE');
    assert.equal(del.status, 200);
    const after = await getJson(ui.url, '/api/2.0/mlflow/registered-models/get?name=classifier');
    assert.deepEqual(after.body.registered_model.aliases ?? [], []);
  });

  it('serves registry searches and versions', async () => {
    const models = await getJson(ui.url, '/api/2.0/mlflow/registered-models/search');
    assert.deepEqual(models.body.registered_models.map((m: any) => m.name), ['classifier']);
    const versions = await getJson(ui.url, "/api/2.0/mlflow/model-versions/search?filter=name%3D'classifier'");
    assert.deepEqual(versions.body.model_versions.map((v: any) => v.version).sort(), ['1', '2']);
    const v1 = await getJson(ui.url, '/api/2.0/mlflow/model-versions/get?name=classifier&version=1');
    assert.equal(v1.body.model_version.run_id, fx.runs[0]!.runId);
    const missing = await getJson(ui.url, '/api/2.0/mlflow/registered-models/get?name=nope');
    assert.equal(missing.status, 404);
  });

  it('refuses every write with 403 PERMISSION_DENIED under --read-only, and changes nothing', async () => {
    const run = fx.runs[4]!;
    const writes: Array<[string, string, unknown]> = [
      ['POST', 'runs/update', { run_id: run.runId, run_name: 'nope' }],
      ['POST', 'runs/set-tag', { run_id: run.runId, key: 'k', value: 'v' }],
      ['POST', 'runs/delete-tag', { run_id: run.runId, key: 'team' }],
      ['POST', 'runs/delete', { run_id: run.runId }],
      ['POST', 'runs/restore', { run_id: run.runId }],
      ['POST', 'registered-models/alias', { name: 'classifier', alias: 'a', version: '1' }],
      ['DELETE', 'registered-models/alias', { name: 'classifier', alias: 'a' }],
    ];
    for (const [method, route, body] of writes) {
      const res = await postJson(readOnly.url, `/ajax-api/2.0/mlflow/${route}`, body, method);
      assert.equal(res.status, 403, route);
      assert.equal(res.body.error_code, 'PERMISSION_DENIED');
    }
    const put = await fetch(`${readOnly.url}/api/2.0/mlflow-artifacts/artifacts/x/y.txt`, { method: 'PUT', body: 'x' });
    assert.equal(put.status, 403);
    const unchanged = await runOf(readOnly, run.runId);
    assert.equal(unchanged.info.run_name, run.name);
    assert.equal(tagsOf(unchanged).team, run.tags.team);
    const info = await getJson(readOnly.url, '/runlog-api/v1/info');
    assert.equal(info.body.readOnly, true);
  });

  it('refuses a cross-origin write and a request addressed to another host name (DNS rebinding)', async () => {
    const cross = await postJson(ui.url, '/api/2.0/mlflow/runs/set-tag', { run_id: fx.runs[0]!.runId, key: 'k', value: 'v' }, 'POST', { origin: 'http://evil.example' });
    assert.equal(cross.status, 403);
    const sameOrigin = await postJson(ui.url, '/api/2.0/mlflow/runs/set-tag', { run_id: fx.runs[0]!.runId, key: 'k', value: 'v' }, 'POST', { origin: ui.url });
    assert.equal(sameOrigin.status, 200);
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${ui.url}/runlog-api/v1/info`, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 403);
  });

  it('refuses a request body over the limit with 413', async () => {
    const res = await fetch(`${ui.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ filter: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(res.status, 413);
  });
});
