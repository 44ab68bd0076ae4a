import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import type { Metric } from '@runlog/core';
import { startUiServer, type UiServer } from '@runlog/ui';
import { formatValue } from '../../packages/ui/web/src/charts/format.js';
import { browserUnavailable, launchBrowser, screenshotDir } from '../support/browser.js';
import { makeUiStoreFixture, type UiStoreFixture } from '../support/ui-store-fixture.js';
import { chartSelector, legendValues, waitForChart } from './charts-page-helpers.js';
import { WEB_DIST, ensureWebBundle } from '../support/ui-app.js';

// Issue 14, "Live": a RUNNING run's chart grows without a reload while a writer appends points to
// the local store, and stops polling once the run has ended.

describe('a live run\'s chart in a browser (issue 14)', { skip: browserUnavailable() }, () => {
  let fx: UiStoreFixture;
  let server: UiServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ensureWebBundle();
    fx = await makeUiStoreFixture({ runs: 2, steps: 30, runningRuns: 1, artifacts: false });
    server = await startUiServer({ trackingUri: fx.rootDir, port: 0, webDir: WEB_DIST });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await fx?.cleanup();
  });

  const drawnPoints = (p: Page) => p.$eval(chartSelector('loss'), (e) => Number((e as HTMLElement).dataset.points));

  it('grows as the run logs, then stops polling when the run ends', async () => {
    const live = fx.runs.find((r) => r.status === 'RUNNING')!;
    const done = fx.runs.find((r) => r.status === 'FINISHED')!;
    await page.goto(`${server.url}/#/compare?runs=${done.runId},${live.runId}`);
    await waitForChart(page, 'loss');
    await page.waitForSelector(`${chartSelector('loss')}[data-live="true"]`);
    assert.equal(await drawnPoints(page), 30);

    // a background writer appends 30 more steps to the local store while the page is open
    const t0 = Date.now();
    let last = 0;
    for (let chunk = 0; chunk < 3; chunk++) {
      const batch: Metric[] = [];
      for (let s = 30 + chunk * 10; s < 40 + chunk * 10; s++) {
        last = 0.05 + 1 / (s + 1);
        batch.push({ key: 'loss', value: last, timestamp: t0 + s, step: s });
      }
      await fx.store.logBatch(live.runId, { metrics: batch, params: [], tags: [] });
    }
    await page.waitForFunction((sel) => Number((document.querySelector(sel) as HTMLElement).dataset.points) === 60, chartSelector('loss'), { timeout: 30_000 });
    // the legend (pointer away from the chart) shows the newest value of the live run
    await page.waitForFunction(
      ([sel, id, want]) => document.querySelector(`${sel} .runlog-chart-legend-row[data-run-id="${id}"] .runlog-chart-legend-value`)?.textContent?.trim() === want,
      [chartSelector('loss'), live.runId, formatValue(last)] as const,
      { timeout: 30_000 },
    );
    assert.equal((await legendValues(page, 'loss'))[live.runId], formatValue(last));
    await page.screenshot({ path: join(screenshotDir(), 'charts-live.png'), fullPage: true });

    // the run ends: the next poll sees it and the chart stops asking
    await fx.store.updateRun(live.runId, { status: 'FINISHED', endTime: Date.now() });
    // every chart on the page (loss and val_loss) polls on its own timer: wait until none is live
    await page.waitForSelector(`${chartSelector('loss')}:not([data-live])`, { timeout: 30_000 });
    await page.waitForFunction(() => document.querySelector('.runlog-chart[data-live]') === null, undefined, { timeout: 30_000 });
    const polls: string[] = [];
    const onRequest = (r: Request) => {
      if (r.url().includes('metric-series')) polls.push(r.url());
    };
    page.on('request', onRequest);
    await page.waitForTimeout(5_000); // more than two poll intervals
    page.off('request', onRequest);
    assert.deepEqual(polls, []);
  });
});
