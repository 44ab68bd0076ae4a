#!/usr/bin/env node
// Bundles the browser app (web/src/main.tsx and what it imports, npm packages included) into
// web-dist/ with esbuild: app.js, app.css and index.html. The UI server serves web-dist/ as is,
// so the app works offline and pulls nothing from a CDN. `--watch` rebuilds on change.
import { build, context } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}web-dist`;
const options = {
  entryPoints: [`${root}web/src/main.tsx`],
  outdir: out,
  entryNames: 'app',
  bundle: true,
  format: 'esm',
  // rarely needed parts (the YAML reader for MLmodel files) load on demand from their own chunk
  splitting: true,
  chunkNames: 'chunk-[hash]',
  target: ['chrome120', 'firefox120', 'safari17'],
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  metafile: true,
  logLevel: 'warning',
};

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await copyFile(`${root}web/index.html`, `${out}/index.html`);
if (process.argv.includes('--watch')) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
}
