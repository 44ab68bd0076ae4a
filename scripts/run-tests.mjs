#!/usr/bin/env node
// Runs every *.test.ts of the repository with node:test through the tsx loader: the package tests
// beside their packages and the cross-package tests in test/. Node 20's --test takes no globs, so
// the files are listed here. Extra arguments are passed to node (e.g. --test-name-pattern=...).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = [...findTests(join(root, 'packages')), ...findTests(join(root, 'test'))].sort();
const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('-'));
const selected = only.length ? files.filter((f) => only.some((o) => f.includes(o))) : files;
if (selected.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}
// Journals of runs logged to test servers go to a throw-away directory, never the user's own.
const journalDir = process.env.RUNLOG_JOURNAL_DIR ?? mkdtempSync(join(tmpdir(), 'runlog-test-journal-'));
const result = spawnSync(
  process.execPath,
  ['--conditions=source', '--import', 'tsx', '--test', '--test-concurrency=1', ...flags, ...selected],
  { cwd: root, stdio: 'inherit', env: { ...process.env, RUNLOG_JOURNAL_DIR: journalDir } },
);
if (!process.env.RUNLOG_JOURNAL_DIR) rmSync(journalDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
