// The runs table over more runs than one page: rows are virtualized (only those in view are in the
// DOM) and the next pages are fetched from the server as the table scrolls.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable } from '../support/browser.js';
import { startAppHarness, type AppHarness } from '../support/ui-app.js';

const RUNS = 1100;

describe('runs table over many runs', { skip: browserUnavailable() }, () => {
  let app: AppHarness;
  before(async () => {
    app = await startAppHarness({ runs: RUNS, steps: 2, artifacts: false, experiments: ['many'] });
  });
  after(async () => {
    await app?.close();
  });

  it('keeps only the visible rows in the DOM and pages in the rest while scrolling', async () => {
    const page = await app.open(`#/experiments/${app.fx.experimentIds[0]}`);
    await page.waitForSelector('[data-run-id]');
    const counts = () => page.getByTestId('runs-count').innerText();
    await page.waitForFunction(() => /^500 runs loaded/.test(document.querySelector('[data-testid="runs-count"]')!.textContent!));
    const rendered = await page.locator('[data-run-id]').count();
    assert.ok(rendered > 10 && rendered < 100, `${rendered} rows in the DOM`);
    // scrolling to the end of what is loaded asks for the next pages, until all are there
    for (let i = 0; i < 10 && !/^1100 runs$/.test(await counts()); i++) {
      await page.getByTestId('runs-table').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(300);
    }
    assert.equal(await counts(), `${RUNS} runs`);
    assert.ok((await page.locator('[data-run-id]').count()) < 100);
    // the last run (oldest first-started, by the server's default order) is drawn at the bottom,
    // once the table is scrolled there again (the last page may have arrived after the last scroll)
    const oldest = app.fx.runs[0]!.runId;
    await page.getByTestId('runs-table').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.locator(`[data-run-id="${oldest}"]`).waitFor();
    await page.context().close();
  });
});
