// The runs table in real headless Chromium over `runlog ui` on a generated local store: it loads,
// the filter narrows it (and a bad filter shows the server's message inline), the column choice
// and header sorting work and live in the URL, and rows open with the keyboard. Also renders the
// README's screenshot of the runs table (copied to docs/ when RUNLOG_UPDATE_SCREENSHOTS=1).
import assert from 'node:assert/strict';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserUnavailable } from '../support/browser.js';
import { startAppHarness, type AppHarness } from '../support/ui-app.js';

const hashQuery = (page: Page) => new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '');
const runIdsShown = (page: Page) => page.$$eval('[data-run-id]', (rows) => rows.map((r) => (r as HTMLElement).dataset.runId!));

describe('runs table in the browser', { skip: browserUnavailable() }, () => {
  let app: AppHarness;
  let experimentId: string;

  before(async () => {
    app = await startAppHarness({ runs: 24, steps: 30, artifacts: false });
    experimentId = app.fx.experimentIds[0]!;
  });
  after(async () => {
    await app?.close();
  });

  const runsOf = () => app.fx.runs.filter((r) => r.experimentId === experimentId);

  it('lists the runs of an experiment from the experiments page', async () => {
    const page = await app.open('#/');
    await page.getByRole('link', { name: 'fixture-a' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('[data-run-id]').length === n, runsOf().length);
    assert.equal(new URL(page.url()).hash, `#/experiments/${experimentId}`);
    assert.deepEqual(new Set(await runIdsShown(page)), new Set(runsOf().map((r) => r.runId)));
    assert.match(await page.getByTestId('tracking-uri').innerText(), /local store/i);
    await page.context().close();
  });

  it('narrows the table with a filter, keeps it in the URL, and shows a bad filter inline', async () => {
    const page = await app.open(`#/experiments/${experimentId}`);
    await page.waitForSelector('[data-run-id]');
    await page.keyboard.press('/');
    await page.keyboard.type("params.optimizer = 'adam'");
    await page.keyboard.press('Enter');
    const adam = runsOf().filter((r) => r.params.optimizer === 'adam');
    assert.ok(adam.length > 0 && adam.length < runsOf().length);
    await page.waitForFunction((n) => document.querySelectorAll('[data-run-id]').length === n, adam.length);
    assert.deepEqual(new Set(await runIdsShown(page)), new Set(adam.map((r) => r.runId)));
    assert.equal(hashQuery(page).get('filter'), "params.optimizer = 'adam'");

    await page.getByLabel('Filter runs (MLflow search syntax)').fill('metrics.loss <<< 1');
    await page.keyboard.press('Enter');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Search failed/);
    await app.screenshot(page, 'app-runs-bad-filter');

    await page.goBack();
    await page.waitForFunction((n) => document.querySelectorAll('[data-run-id]').length === n, adam.length);
    assert.equal(await page.getByRole('alert').count(), 0);
    await page.context().close();
  });

  it('adds a metric column from the chooser and sorts by it on the server, both ways', async () => {
    const page = await app.open(`#/experiments/${experimentId}`);
    await page.waitForSelector('[data-run-id]');
    await page.getByText('Columns (0)').click();
    await page.locator('input[data-column="metrics.loss"]').check();
    await page.locator('input[data-column="params.lr"]').check();
    await page.getByText('Columns (2)').click();
    await page.waitForSelector('button.rt-sort[data-column="metrics.loss"]');
    assert.equal(hashQuery(page).get('cols'), 'metrics.loss|params.lr');

    const loss = new Map(runsOf().map((r) => [r.runId, r.metrics.loss!]));
    const lossesShown = async () => (await runIdsShown(page)).map((id) => loss.get(id)!);
    const max = Math.max(...loss.values());
    const min = Math.min(...loss.values());
    assert.ok(max > min);
    await page.click('button.rt-sort[data-column="metrics.loss"]');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('sort') === 'metrics.loss:desc');
    await page.waitForFunction((id) => document.querySelector('[data-run-id]')?.getAttribute('data-run-id') === id, [...loss].find(([, v]) => v === max)![0]);
    const desc = await lossesShown();
    assert.equal(desc.length, loss.size);
    assert.deepEqual(desc, [...desc].sort((a, b) => b - a));
    await page.click('button.rt-sort[data-column="metrics.loss"]');
    await page.waitForFunction(() => new URLSearchParams(location.hash.split('?')[1]).get('sort') === 'metrics.loss:asc');
    await page.waitForFunction((id) => document.querySelector('[data-run-id]')?.getAttribute('data-run-id') === id, [...loss].find(([, v]) => v === min)![0]);
    const asc = await lossesShown();
    assert.deepEqual(asc, [...asc].sort((a, b) => a - b));
    const header = await page.locator('[role="columnheader"][aria-sort]').getAttribute('aria-sort');
    assert.equal(header, 'ascending');
    await app.screenshot(page, 'app-runs-table');

    // the chosen columns are remembered for the experiment when a link names none
    const again = await page.context().newPage();
    await again.goto(`${app.ui.url}/#/experiments/${experimentId}`);
    await again.waitForSelector('button.rt-sort[data-column="params.lr"]');
    await page.context().close();
  });

  it('groups rows by a param, one header per value', async () => {
    const page = await app.open(`#/experiments/${experimentId}?group=optimizer`);
    await page.waitForSelector('.rt-group');
    const groups = await page.$$eval('.rt-group', (rows) => rows.map((r) => (r as HTMLElement).innerText));
    const values = [...new Set(runsOf().map((r) => r.params.optimizer))].sort();
    assert.equal(groups.length, values.length);
    values.forEach((v, i) => assert.match(groups[i]!, new RegExp(`optimizer = ${v}`)));
    await page.context().close();
  });

  it('moves with the arrow keys and opens the active run with Enter', async () => {
    const page = await app.open(`#/experiments/${experimentId}`);
    await page.waitForSelector('[data-run-id]');
    await page.getByTestId('runs-table').focus();
    await page.keyboard.press('ArrowDown');
    const second = await page.locator('.rt-row.active').getAttribute('data-run-id');
    assert.equal(second, (await runIdsShown(page))[1]);
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => location.hash === `#/runs/${id}`, second);
    await page.getByRole('heading', { name: /Params/ }).waitFor();
    await page.goBack();
    await page.waitForSelector('[data-run-id]');
    await page.context().close();
  });

  it('links the selected runs to the compare view', async () => {
    const page = await app.open(`#/experiments/${experimentId}`);
    await page.waitForSelector('[data-run-id]');
    const ids = (await runIdsShown(page)).slice(0, 2);
    for (const id of ids) await page.locator(`[data-run-id="${id}"] input[type=checkbox]`).check();
    const href = await page.getByTestId('compare-button').getAttribute('href');
    assert.equal(href, `#/compare?runs=${encodeURIComponent(ids.join(','))}`);
    await page.context().close();
  });

  it('renders the screenshot used in the README', async () => {
    const page = await app.open(
      `#/experiments/${experimentId}?cols=metrics.loss|metrics.accuracy|metrics.val_loss|params.lr|params.optimizer|params.batch_size|tags.team&sort=metrics.loss:asc`,
      { width: 1280, height: 640 },
    );
    await page.waitForSelector('[data-run-id]');
    for (const box of (await page.locator('[data-run-id] input[type=checkbox]').all()).slice(0, 3)) await box.check();
    const path = await app.screenshot(page, 'runlog-ui');
    if (process.env.RUNLOG_UPDATE_SCREENSHOTS === '1') {
      const docs = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
      await mkdir(docs, { recursive: true });
      await copyFile(path, `${docs}runlog-ui.png`);
    }
    await page.context().close();
  });
});
