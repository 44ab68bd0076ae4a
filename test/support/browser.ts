// Real headless Chromium for the UI tests: Debian's `chromium` package driven by playwright-core.
// The executable is RUNLOG_CHROMIUM, else the first of the usual names on PATH. Without one, the
// browser tests skip — except under CI=true, where `.ci/run` installs it and its absence is a failure.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const CANDIDATES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

/** The Chromium executable to drive, or undefined when none is installed. */
export function findChromium(): string | undefined {
  if (process.env.RUNLOG_CHROMIUM) return process.env.RUNLOG_CHROMIUM;
  for (const name of CANDIDATES) {
    try {
      const path = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (path) return path;
    } catch {
      // not on PATH; try the next name
    }
  }
  return undefined;
}

/**
 * Why browser tests cannot run here (pass it to `describe`'s `skip`), or false when they can.
 * Throws under CI=true, where a missing browser must fail the run instead of skipping it.
 */
export function browserUnavailable(): string | false {
  if (findChromium()) return false;
  const why = 'no Chromium executable (install Debian\'s chromium package or set RUNLOG_CHROMIUM)';
  if (process.env.CI === 'true') throw new Error(`browser tests cannot run under CI=true: ${why}`);
  return why;
}

/** Launches headless Chromium; the caller closes it. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = findChromium();
  if (!executablePath) throw new Error('no Chromium executable found');
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** Where tests keep their screenshots (kept as test artifacts; ignored by git). */
export function screenshotDir(): string {
  const dir = join(fileURLToPath(new URL('../..', import.meta.url)), 'test-artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
