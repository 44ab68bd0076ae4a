#!/usr/bin/env node
// `npm run version:set -- 0.2.0`: moves every workspace package to one version and pins the internal
// dependency ranges to it (the packages are released together), then refreshes package-lock.json.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const version = process.argv[2];
if (!version || !/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
  console.error('usage: npm run version:set -- <major.minor.patch[-prerelease]>');
  process.exit(2);
}
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const files = rootManifest.workspaces.map((dir) => join(root, dir, 'package.json'));
const manifests = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
const names = new Set(manifests.map((m) => m.name));
manifests.forEach((m, i) => {
  m.version = version;
  for (const section of ['dependencies', 'devDependencies', 'peerDependencies']) {
    for (const dep of Object.keys(m[section] ?? {})) if (names.has(dep)) m[section][dep] = version;
  }
  writeFileSync(files[i], JSON.stringify(m, null, 2) + '\n');
});
const lock = spawnSync('npm', ['install', '--package-lock-only', '--ignore-scripts'], { cwd: root, stdio: 'inherit' });
console.log(`all ${manifests.length} packages at ${version}`);
process.exit(lock.status ?? 1);
