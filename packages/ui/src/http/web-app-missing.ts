/**
 * What `/` answers when the web folder has no `index.html`: a 503 page saying the browser app is
 * not built and how to build it. This happens in a clone of the repository before `npm run build`
 * (web-dist/ is not checked in); a published @runlog/ui always carries it. The API routes do not
 * depend on the app and keep working.
 */
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';

/** How to build the app, for the 503 page and the CLI's start-up warning. */
export const WEB_APP_BUILD_HINT = 'run `npm run build` in the runlog repository (or `npm run build:web -w @runlog/ui` for the app alone)';

/** Whether `webDir` holds the app's entry page. */
export async function hasWebApp(webDir: string): Promise<boolean> {
  const st = await stat(join(webDir, 'index.html')).catch(() => undefined);
  return st?.isFile() ?? false;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** 503 with a short HTML page naming the missing folder and the build command. */
export function sendWebAppMissing(res: ServerResponse, webDir: string, head: boolean): void {
  const body =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>runlog ui: web app not built</title></head>\n<body>\n' +
    '<h1>The runlog ui web app is not built</h1>\n' +
    `<p>There is no <code>index.html</code> in <code>${escapeHtml(webDir)}</code>. To build it, ${escapeHtml(WEB_APP_BUILD_HINT)}, then reload this page.</p>\n` +
    '<p>The API (<code>/api/2.0/mlflow/</code>, <code>/runlog-api/v1/</code>) works meanwhile.</p>\n</body></html>\n';
  res.writeHead(503, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(head ? undefined : body);
}
