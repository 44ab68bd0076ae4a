// The model registry pages in real headless Chromium over `runlog ui` on a generated local store:
// a registered model with two versions from two fixture runs (a stage, an alias, a description),
// written through core's FileRegistryStore as a training script would; the models list, the
// model's versions, the lineage link back to the source run, and an alias set and removed in the
// app and read back through the store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileRegistryStore } from '@runlog/core/internal';
import { NotFoundError } from '@runlog/core';
import { browserUnavailable } from '../support/browser.js';
import { startAppHarness, type AppHarness } from '../support/ui-app.js';

const MODEL = 'fixture-classifier';
const DESCRIPTION = 'classifies the fixture runs';
/** A second model whose name needs quoting in filters and encoding in the URL hash. */
const ODD = "fixture-classifier's twin? #2 é";

describe('registry pages in the browser', { skip: browserUnavailable() }, () => {
  let app: AppHarness;
  let registry: FileRegistryStore;

  before(async () => {
    app = await startAppHarness({ runs: 4, steps: 5, artifacts: true });
    registry = new FileRegistryStore(app.fx.rootDir);
    await registry.createRegisteredModel(MODEL, { description: DESCRIPTION });
    for (const run of app.fx.runs.slice(0, 2)) {
      const { info } = await app.fx.store.getRun(run.runId);
      await registry.createModelVersion({ name: MODEL, source: `${info.artifactUri}/model`, runId: run.runId });
    }
    await registry.transitionModelVersionStage(MODEL, '1', 'Production', false);
    await registry.setRegisteredModelAlias(MODEL, 'champion', '1');
    await registry.createRegisteredModel(ODD);
    await registry.createModelVersion({ name: ODD, source: 'file:///elsewhere/model', runId: app.fx.runs[2]!.runId });
  });
  after(async () => {
    await registry?.close();
    await app?.close();
  });

  it('lists the model with its latest version and aliases', async () => {
    const page = await app.open('#/models');
    const table = page.getByRole('table', { name: 'Registered models' });
    await table.waitFor();
    const row = table.locator('tbody tr', { has: page.getByRole('link', { name: MODEL, exact: true }) });
    const cells = await row.locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 3), [MODEL, 'v2', '@champion → v1']);
    await row.getByRole('link', { name: MODEL, exact: true }).click();
    await page.getByRole('heading', { name: MODEL, level: 1 }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/models/${MODEL}`);
    await page.context().close();
  });

  it('opens a model whose name has quotes, spaces, ? and # with its own versions only', async () => {
    const page = await app.open('#/models');
    await page.getByRole('link', { name: ODD, exact: true }).click();
    await page.getByRole('heading', { name: ODD, level: 1 }).waitFor();
    const rows = page.getByRole('table', { name: 'Versions' }).locator('tbody tr');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 1);
    assert.equal(await rows.first().locator('td').first().innerText(), 'v1');
    assert.equal(await rows.first().getByRole('link').innerText(), app.fx.runs[2]!.runId.slice(0, 12));
    await page.context().close();
  });

  it('shows the versions with stage and alias, and links each back to its source run', async () => {
    const page = await app.open(`#/models/${MODEL}`);
    await page.getByText(DESCRIPTION).waitFor();
    const versions = page.getByRole('table', { name: 'Versions' });
    await versions.waitFor();
    const rows = versions.locator('tbody tr');
    assert.equal(await rows.count(), 2);
    const [run0, run1] = app.fx.runs;
    const v2 = await rows.nth(0).locator('td').allInnerTexts();
    const v1 = await rows.nth(1).locator('td').allInnerTexts();
    // Version, Stage, Status, Aliases, (Created), Source run
    assert.deepEqual([v2[0], v2[1], v2[2], v2[3], v2[5]], ['v2', '', 'ready', '', run1!.runId.slice(0, 12)]);
    assert.deepEqual([v1[0], v1[1], v1[2], v1[3], v1[5]], ['v1', 'Production', 'ready', '@champion', run0!.runId.slice(0, 12)]);
    assert.match(v1[6]!, new RegExp(`${run0!.runId}/artifacts/model$`));
    await app.screenshot(page, 'app-registry-model');

    // lineage: the version's source run link opens that run's page
    await rows.nth(1).getByRole('link', { name: run0!.runId.slice(0, 12) }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(`^${run0!.name}\\b`) }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/runs/${run0!.runId}?tab=models`);
    assert.equal(await page.getByRole('tab', { name: 'Models' }).getAttribute('aria-selected'), 'true');
    await page.context().close();
  });

  it('sets an alias from the app, which the store keeps, and removes it', async () => {
    const page = await app.open(`#/models/${MODEL}`);
    await page.getByRole('table', { name: 'Versions' }).waitFor();
    await page.getByRole('textbox', { name: 'Alias' }).fill('challenger');
    await page.getByRole('combobox', { name: 'Version' }).selectOption('2');
    await page.getByRole('button', { name: 'Set alias' }).click();
    const aliases = page.locator('section', { has: page.getByRole('heading', { name: 'Aliases' }) });
    await aliases.getByText('@challenger').waitFor();
    assert.equal((await registry.getModelVersionByAlias(MODEL, 'challenger')).version, '2');
    // the versions table picks it up too
    await page.waitForFunction(() => document.querySelector('table[aria-label="Versions"] tbody tr')?.textContent?.includes('@challenger'));
    await app.screenshot(page, 'app-registry-alias');

    await aliases.getByRole('button', { name: 'Remove alias challenger' }).click();
    await aliases.getByText('@challenger').waitFor({ state: 'detached' });
    await assert.rejects(registry.getModelVersionByAlias(MODEL, 'challenger'), NotFoundError);
    assert.equal((await registry.getModelVersionByAlias(MODEL, 'champion')).version, '1');
    await page.context().close();
  });
});
