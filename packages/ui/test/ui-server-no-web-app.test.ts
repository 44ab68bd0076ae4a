// `runlog ui` without a built browser app (a clone before `npm run build`): the server starts, the
// API answers, and `/` is a 503 page saying the app is not built and how to build it, until the
// app appears in the web folder.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startUiServer, type UiServer } from '@runlog/ui';
import { makeUiStoreFixture, type UiStoreFixture } from '../../../test/support/ui-store-fixture.js';
import { getJson, postJson } from './support/ui-http.js';

describe('runlog ui with no web app built', () => {
  let fx: UiStoreFixture;
  let ui: UiServer;
  let webDir: string;

  before(async () => {
    fx = await makeUiStoreFixture({ runs: 3, steps: 5, artifacts: false });
    webDir = await mkdtemp(join(tmpdir(), 'runlog-ui-empty-web-'));
    ui = await startUiServer({ trackingUri: fx.rootDir, port: 0, webDir });
  });
  after(async () => {
    await ui?.close();
    await fx?.cleanup();
    await rm(webDir, { recursive: true, force: true });
  });

  it('starts and reports the app as not built', () => {
    assert.equal(ui.webAppBuilt, false);
  });

  it('answers / with 503 and a page saying how to build the app', async () => {
    const res = await fetch(ui.url + '/');
    assert.equal(res.status, 503);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    const text = await res.text();
    assert.match(text, /web app is not built/);
    assert.match(text, /npm run build/);
    assert.ok(text.includes(webDir), 'the page names the folder it looked in');
    const head = await fetch(ui.url + '/', { method: 'HEAD' });
    assert.equal(head.status, 503);
    // other paths are not the app's entry: still a plain 404
    assert.equal((await fetch(ui.url + '/app.js')).status, 404);
  });

  it('still answers the API', async () => {
    const info = await getJson(ui.url, '/runlog-api/v1/info');
    assert.equal(info.status, 200);
    assert.equal(info.body.mode, 'local');
    const runs = await postJson(ui.url, '/api/2.0/mlflow/runs/search', { experiment_ids: fx.experimentIds });
    assert.equal(runs.status, 200);
    assert.equal(runs.body.runs.length, 3);
  });

  it('serves the app once it is built, without a restart', async () => {
    await writeFile(join(webDir, 'index.html'), '<!doctype html><title>runlog</title>');
    const res = await fetch(ui.url + '/');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<title>runlog/);
  });
});
