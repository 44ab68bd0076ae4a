// Shared set-up of the browser-app tests: a generated local store, `runlog ui` over it in-process
// on port 0, headless Chromium, and helpers to open a page of the app and keep a screenshot.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startUiServer, type UiServer } from '@runlog/ui';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshotDir } from './browser.js';
import { makeUiStoreFixture, type UiStoreFixture, type UiStoreFixtureOptions } from './ui-store-fixture.js';

const UI_PACKAGE = fileURLToPath(new URL('../../packages/ui/', import.meta.url));

/** The built browser app (what startUiServer serves). */
export const WEB_DIST = join(UI_PACKAGE, 'web-dist');

/** Newest modification time of the files under `dir`, in ms (0 when there are none). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds the app bundle when it is missing or older than the app's sources (`npm test` builds it
 * first; a lone test run after an edit of the app would otherwise test the old bundle).
 */
export function ensureWebBundle(): void {
  const bundle = join(WEB_DIST, 'app.js');
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestMtime(join(UI_PACKAGE, 'web', 'src'))) return;
  execFileSync(process.execPath, [join(UI_PACKAGE, 'scripts', 'build-web.mjs')], { stdio: 'inherit' });
}

export interface AppHarness {
  fx: UiStoreFixture;
  ui: UiServer;
  browser: Browser;
  /** A fresh page (own context, so localStorage starts empty) at `hash` of the app. */
  open(hash: string, viewport?: { width: number; height: number }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startAppHarness(fixture: UiStoreFixtureOptions, options: { readOnly?: boolean } = {}): Promise<AppHarness> {
  ensureWebBundle();
  const fx = await makeUiStoreFixture(fixture);
  const ui = await startUiServer({ trackingUri: fx.rootDir, port: 0, readOnly: options.readOnly ?? false, webDir: WEB_DIST });
  const browser = await launchBrowser();
  const pages: Page[] = [];
  return {
    fx,
    ui,
    browser,
    async open(hash, viewport = { width: 1400, height: 900 }) {
      const context = await browser.newContext({ viewport });
      const page = await context.newPage();
      pages.push(page);
      page.on('pageerror', (error) => process.stderr.write(`[browser] ${error.message}\n`));
      await page.goto(`${ui.url}/${hash}`);
      return page;
    },
    async screenshot(page, name) {
      const path = join(screenshotDir(), `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await ui.close();
      await fx.cleanup();
    },
  };
}
