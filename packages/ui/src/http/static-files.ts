/**
 * The bundled browser app (`web-dist/`, built by scripts/build-web.mjs) at `/`. Files are
 * revalidated by ETag (`cache-control: no-cache`), as their names carry no hash. The app routes
 * with the URL hash, so there is no SPA fallback: an unknown path is 404.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** `web-dist/` of this package: this file sits in src/http/ (or dist/http/ once built), two folders below the package root. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web-dist/', import.meta.url));

/** Serves `pathname` from `webDir`; false when there is no such file (the caller answers 404). */
export async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string, webDir: string): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const rel = decoded === '/' ? 'index.html' : decoded.slice(1);
  if (rel.includes('\0')) return false;
  const file = normalize(join(webDir, rel));
  if (!file.startsWith(normalize(webDir.endsWith(sep) ? webDir : webDir + sep))) return false;
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) return false;
  const etag = `"${st.size.toString(16)}-${Math.trunc(st.mtimeMs).toString(16)}"`;
  const headers: Record<string, string | number> = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'cache-control': 'no-cache',
    etag,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  res.writeHead(200, { ...headers, 'content-length': st.size });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', resolve);
    stream.pipe(res);
  });
  return true;
}
