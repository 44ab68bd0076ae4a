/**
 * Serving files of a local store: the browser's `/get-artifact?run_id=&path=` and MLflow's
 * artifact proxy (`/api/2.0/mlflow-artifacts/artifacts/<path>`, list with `?path=`). Paths go
 * through core's artifact path checks (no `..`, not absolute, no NUL) and the real path (symlinks
 * resolved) must stay under the root it was asked under, so nothing outside the store is served.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { isAbsolute, relative } from 'node:path';
import { FileArtifacts } from '@runlog/core/internal';
import { invalidParameter, notFound } from '../http/api-error.js';
import { ARTIFACT_SAFETY_HEADERS, artifactContentType } from '../http/content-type.js';

/** The real path of `relPath` under `rootDir`; 400 for a path that leaves it, 404 when missing. */
export async function resolveUnder(rootDir: string, relPath: string): Promise<string> {
  const abs = new FileArtifacts(rootDir).resolve(relPath);
  let real: string;
  let realRoot: string;
  try {
    [real, realRoot] = await Promise.all([realpath(abs), realpath(rootDir)]);
  } catch {
    throw notFound(`No such artifact: '${relPath}'`);
  }
  const back = relative(realRoot, real);
  if (back.startsWith('..') || isAbsolute(back)) throw invalidParameter(`Invalid artifact path ${JSON.stringify(relPath)}: it leaves the artifact root.`);
  return real;
}

/** Streams one file with its content type; 404 for a directory or a missing file. */
export async function sendFile(res: ServerResponse, file: string, displayPath: string, method: string): Promise<void> {
  const st = await stat(file).catch(() => undefined);
  if (!st || !st.isFile()) throw notFound(`No such artifact file: '${displayPath}'`);
  res.writeHead(200, {
    'content-type': artifactContentType(displayPath),
    'content-length': st.size,
    'cache-control': 'no-cache',
    ...ARTIFACT_SAFETY_HEADERS,
  });
  if (method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(file);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    res.on('close', () => {
      stream.destroy();
      resolve();
    });
    stream.pipe(res);
  });
}

/** MLflow-artifacts listing: entries directly under `relPath`, paths relative to it. */
export async function listUnder(rootDir: string, relPath: string): Promise<Array<Record<string, unknown>>> {
  if (relPath) await resolveUnder(rootDir, relPath);
  const files = await new FileArtifacts(rootDir).list(relPath);
  const cut = relPath ? relPath.replace(/\/+$/, '').length + 1 : 0;
  return files.map((f) => (f.isDir ? { path: f.path.slice(cut), is_dir: true } : { path: f.path.slice(cut), is_dir: false, file_size: f.fileSize ?? 0 }));
}
