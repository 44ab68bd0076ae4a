/**
 * Content types for artifact downloads. Anything a browser could run on this origin (HTML, SVG,
 * XML, JS) is served as text/plain or sandboxed: artifacts are data, never part of the app.
 */
import { extname } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.bmp': 'image/bmp',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.pdf': 'application/pdf',
};

const TEXT = new Set([
  '.txt', '.log', '.md', '.csv', '.tsv', '.yaml', '.yml', '.py', '.ts', '.js', '.mjs', '.html', '.htm', '.xml', '.ini', '.cfg',
  '.toml', '.sh', '.r', '.sql', '.ipynb', '.jsonl', '.err', '.out',
]);
const TEXT_NAMES = new Set(['MLmodel', 'MLproject', 'requirements.txt', 'conda.yaml', 'python_env.yaml', 'LICENSE', 'README']);

export function artifactContentType(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const ext = extname(name).toLowerCase();
  if (TYPES[ext]) return TYPES[ext];
  if (TEXT.has(ext) || TEXT_NAMES.has(name)) return 'text/plain; charset=utf-8';
  return 'application/octet-stream';
}

/** Headers every artifact response carries: no sniffing, no scripts, no framing. */
export const ARTIFACT_SAFETY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox",
};
