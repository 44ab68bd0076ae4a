/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * Issue #14 benchmark: time to first chart of a 1,000,000-point metric in headless Chromium, runlog
 * ui against MLflow's own UI (`mlflow server` over the same local store, MLflow's FileStore), plus
 * the size of the bundled app. Time to first chart = from navigation to the metric's chart drawn
 * (runlog: the MetricChart of `big_metric` ready with its canvas; MLflow: the run page's chart of
 * `big_metric` with its plotted trace). Cold = first view after the server started; warm = a reload.
 *   BENCH_CHART_POINTS  points of the metric (default 1,000,000)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { startUiServer } from '@runlog/ui';
import { findChromium, launchBrowser } from '../test/support/browser.js';
import { ensureMlflow, startMlflowServer } from '../test/support/mlflow-env.js';
import { WEB_DIST } from '../test/support/ui-app.js';
import { makeUiStoreFixture } from '../test/support/ui-store-fixture.js';
import { line, ratio } from './stats.js';

const CHART_TIMEOUT_MS = 180_000;

/** Bytes of the bundle the browser loads (maps excluded), raw and gzipped. */
export function bundleSize(dir = WEB_DIST): { files: number; bytes: number; gzip: number } {
  let bytes = 0;
  let gzip = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.map') || !statSync(join(dir, name)).isFile()) continue;
    const data = readFileSync(join(dir, name));
    files++;
    bytes += data.length;
    gzip += gzipSync(data, { level: 9 }).length;
  }
  return { files, bytes, gzip };
}

async function timeTo(page: Page, url: string, ready: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await page.goto(url, { timeout: CHART_TIMEOUT_MS, waitUntil: 'commit' });
  await ready();
  return performance.now() - started;
}

async function runlogFirstChart(browser: Browser, base: string, hash: string): Promise<[number, number]> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  const ready = () =>
    page.waitForFunction(() => {
      const el = document.querySelector('.runlog-chart[data-metric-key="big_metric"][data-phase="ready"]') as HTMLElement | null;
      return el !== null && Number(el.dataset.points) > 0 && el.querySelector('canvas') !== null;
    }, undefined, { timeout: CHART_TIMEOUT_MS, polling: 'raf' });
  const cold = await timeTo(page, `${base}/${hash}`, ready);
  // A query before the hash: a real reload (a change of the hash alone would not load the page).
  const warm = await timeTo(page, `${base}/?reload=1${hash}`, ready);
  await page.close();
  return [cold, warm];
}

async function mlflowFirstChart(browser: Browser, url: string): Promise<[number, number]> {
  const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
  // MLflow's run page ("Model metrics" tab) draws each metric in a card titled with its key; the
  // chart is drawn once the big_metric card holds a plotted Plotly line.
  const ready = () =>
    page.waitForFunction(() => {
      const cards = [...document.querySelectorAll('[data-testid="experiment-view-compare-runs-card"]')];
      return cards.some((card) => {
        const path = card.querySelector('.js-plotly-plot .scatterlayer .trace path.js-line');
        return (card.textContent ?? '').includes('big_metric') && path !== null && (path.getAttribute('d') ?? '').length > 20;
      });
    }, undefined, { timeout: CHART_TIMEOUT_MS, polling: 'raf' });
  const cold = await timeTo(page, url, ready);
  const warm = await timeTo(page, url.replace('#', '?reload=1#'), ready);
  await page.close();
  return [cold, warm];
}

export async function uiChartBench(): Promise<void> {
  const points = Number(process.env.BENCH_CHART_POINTS ?? 1_000_000);
  console.log(`\nui-chart: time to first chart of a ${points.toLocaleString('en-US')}-point metric in headless Chromium`);
  const size = bundleSize();
  line('bundle (web-dist, maps excluded)', `${(size.bytes / 1024).toFixed(0)} KiB`, `gzip ${(size.gzip / 1024).toFixed(0)} KiB, ${size.files} files`);
  if (!findChromium()) {
    console.log('  skipped: no Chromium');
    return;
  }
  const env = await ensureMlflow();
  const mlflow = env ? await startMlflowServer(env, { backend: 'file' }) : undefined;
  const rootDir = mlflow ? fileURLToPath(mlflow.backendUri) : undefined;
  const t0 = performance.now();
  const fx = await makeUiStoreFixture({ rootDir, runs: 2, steps: 10, artifacts: false, bigMetricPoints: points });
  line('store written (runlog FileStore)', `${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const ui = await startUiServer({ trackingUri: fx.rootDir, port: 0, webDir: WEB_DIST });
  const browser = await launchBrowser();
  try {
    const run = fx.runs[0]!;
    const [rCold, rWarm] = await runlogFirstChart(browser, ui.url, `#/runs/${run.runId}?x=step`);
    line('runlog ui, cold (first view)', `${rCold.toFixed(0)} ms`);
    line('runlog ui, warm (reload)', `${rWarm.toFixed(0)} ms`);
    if (mlflow) {
      const [mCold, mWarm] = await mlflowFirstChart(browser, `${mlflow.uri}/#/experiments/${run.experimentId}/runs/${run.runId}/model-metrics`);
      line('MLflow UI 3.18, cold (first view)', `${mCold.toFixed(0)} ms`, `runlog ${ratio(mCold, rCold)} faster`);
      line('MLflow UI 3.18, warm (reload)', `${mWarm.toFixed(0)} ms`, `runlog ${ratio(mWarm, rWarm)} faster`);
    } else {
      console.log('  MLflow UI skipped: no MLflow virtualenv');
    }
  } finally {
    await browser.close();
    await ui.close();
    await mlflow?.stop();
    await fx.cleanup();
  }
}
