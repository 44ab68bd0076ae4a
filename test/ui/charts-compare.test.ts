import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startUiServer, type UiServer } from '@runlog/ui';
import { RUN_COLORS } from '../../packages/ui/web/src/charts/colors.js';
import { browserUnavailable, launchBrowser, screenshotDir } from '../support/browser.js';
import { makeUiStoreFixture, type UiStoreFixture } from '../support/ui-store-fixture.js';
import { chartSelector, hoverChart, legendValues, pixelsByColor, waitForChart } from './charts-page-helpers.js';
import { WEB_DIST, ensureWebBundle } from '../support/ui-app.js';

// Issue 14, "Compare view" and "Charts for people who read training curves", in real headless
// Chromium against `runlog ui` over a generated local store.

describe('charts and the compare view in a browser (issue 14)', { skip: browserUnavailable() }, () => {
  let fx: UiStoreFixture;
  let server: UiServer;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ensureWebBundle();
    fx = await makeUiStoreFixture({ runs: 3, steps: 200, artifacts: false, bigMetricPoints: 50_000 });
    server = await startUiServer({ trackingUri: fx.rootDir, port: 0, webDir: WEB_DIST });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await fx?.cleanup();
  });

  const ids = () => fx.runs.map((r) => r.runId).join(',');

  it('overlays the curves of every compared run, and the hover legend shows each run\'s value there', async () => {
    await page.goto(`${server.url}/#/compare?runs=${ids()}`);
    await waitForChart(page, 'loss');
    const counts = await pixelsByColor(page, 'loss', RUN_COLORS.slice(0, 3));
    for (const [i, n] of counts.entries()) assert.ok(n > 50, `run ${i}'s curve drawn in its color (${n} pixels)`);

    await hoverChart(page, 'loss', 0.5);
    await page.waitForSelector(`${chartSelector('loss')} .runlog-chart-legend[data-hover="true"]`);
    const values = await legendValues(page, 'loss');
    assert.deepEqual(Object.keys(values).sort(), fx.runs.map((r) => r.runId).sort());
    for (const v of Object.values(values)) assert.ok(Number.isFinite(Number(v)), `legend value ${v}`);
    const x = await page.$eval(`${chartSelector('loss')} .runlog-chart-legend-x`, (e) => e.textContent);
    assert.match(x ?? '', /^step \d+$/);
    await page.screenshot({ path: join(screenshotDir(), 'runlog-ui-compare.png'), fullPage: true });
  });

  it('shows the params diff with the differing params highlighted', async () => {
    const rows = await page.$$eval('.compare-params tbody tr', (trs) => trs.map((tr) => [tr.querySelector('th')!.textContent, (tr as HTMLElement).dataset.differs]));
    assert.deepEqual(Object.fromEntries(rows), { batch_size: 'true', layers: 'true', lr: 'true', optimizer: 'true' });
    assert.equal(await page.$$eval('.compare-params tr.differs', (trs) => trs.length), 4);
  });

  it('draws the parallel coordinates and the scatter plot, one mark per run', async () => {
    assert.equal(await page.$$eval('.compare-parallel path.compare-line', (p) => p.filter((e) => (e.getAttribute('d') ?? '').includes('L')).length), 3);
    await page.selectOption('select[name="scatter-x"]', 'param:lr');
    await page.selectOption('select[name="scatter-y"]', 'metric:loss');
    assert.equal(await page.$$eval('.compare-scatter circle.compare-point', (c) => c.length), 3);
    assert.match(page.url(), /sx=param%3Alr|sx=param:lr/);
  });

  it('keeps the chart settings in the URL, so a link reproduces the charts', async () => {
    await page.check('input[name="log-y"]');
    await page.selectOption('select[name="x-axis"]', 'relative');
    await page.$eval('input[name="smoothing"]', (el) => {
      const input = el as HTMLInputElement;
      input.value = '0.8';
      input.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const url = page.url();
    assert.match(url, /x=relative/);
    assert.match(url, /smooth=0\.8/);
    assert.match(url, /log=1/);
    const other = await browser.newPage({ viewport: { width: 1300, height: 1000 } });
    await other.goto(url);
    await waitForChart(other, 'loss');
    assert.equal(await other.$eval('select[name="x-axis"]', (e) => (e as HTMLSelectElement).value), 'relative');
    assert.equal(await other.$eval('input[name="smoothing"]', (e) => (e as HTMLInputElement).value), '0.8');
    assert.equal(await other.$eval('input[name="log-y"]', (e) => (e as HTMLInputElement).checked), true);
    // smoothed: the legend shows the smoothed value and the raw one beside it
    await hoverChart(other, 'loss', 0.5);
    await other.waitForSelector(`${chartSelector('loss')} .runlog-chart-legend-raw`);
    await other.close();
  });

  it('zooms a dragged range by re-fetching it at finer resolution; a double-click resets', async () => {
    await page.goto(`${server.url}/#/compare?runs=${ids()}`);
    await waitForChart(page, 'big_metric');
    const full = await page.$eval(chartSelector('big_metric'), (e) => Number((e as HTMLElement).dataset.points));
    const over = (await (await page.$(`${chartSelector('big_metric')} .u-over`))!.boundingBox())!;
    const zoomed = page.waitForRequest((r) => r.url().includes('metric-series') && r.url().includes('key=big_metric') && r.url().includes('min_x='));
    await page.mouse.move(over.x + over.width * 0.4, over.y + over.height / 2);
    await page.mouse.down();
    await page.mouse.move(over.x + over.width * 0.42, over.y + over.height / 2, { steps: 5 });
    await page.mouse.up();
    const req = new URL((await zoomed).url());
    const [minX, maxX] = [Number(req.searchParams.get('min_x')), Number(req.searchParams.get('max_x'))];
    assert.ok(minX > 10_000 && maxX < 30_000 && maxX - minX < 5_000, `zoomed to [${minX}, ${maxX}]`);
    // the zoomed range (~2% of the history) is drawn from its own, finer buckets
    await page.waitForFunction((sel) => {
      const e = document.querySelector(sel) as HTMLElement | null;
      return e?.dataset.zoomed === 'true' && e.dataset.phase === 'ready' && Number(e.dataset.points) > 300;
    }, chartSelector('big_metric'), { timeout: 30_000 });
    const counts = await pixelsByColor(page, 'big_metric', RUN_COLORS.slice(0, 1));
    assert.ok(counts[0]! > 50);
    await page.dblclick(`${chartSelector('big_metric')} .u-over`);
    await page.waitForSelector(`${chartSelector('big_metric')}:not([data-zoomed])[data-phase="ready"]`);
    assert.equal(await page.$eval(chartSelector('big_metric'), (e) => Number((e as HTMLElement).dataset.points)), full);
  });
});
