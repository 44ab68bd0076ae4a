#!/usr/bin/env node
// `npm run release:check`: the release checklist's automated part. Runs the packaging tests
// (test/packaging): manifests in step, declared dependencies used, and the full publish flow:
// every package built by its prepack and published with npm to a loopback registry, installed
// into a new project outside the repository, trained with (ESM and CommonJS), its CLI run and
// its model served. CI=true makes a registry that cannot start a failure, not a skip.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const result = spawnSync(process.execPath, ['scripts/run-tests.mjs', 'test/packaging/'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CI: 'true' },
});
process.exit(result.status ?? 1);
