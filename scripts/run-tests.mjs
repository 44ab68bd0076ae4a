#!/usr/bin/env node
// Runs every *.test.ts of the repository with node:test through the tsx loader: the package tests
// beside their packages and the cross-package tests in test/. Node 20's --test takes no globs, so
// the files are listed here. Arguments without a leading '-' select files by substring; the others
// are passed to node (e.g. --test-name-pattern=...).
//
// Each file runs in its own `node --test` process with its own journal directory, and up to
// RUNLOG_TEST_CONCURRENCY (default 2) files run at once: they use temp dirs, port-0 servers and, for
// interop, their own MLflow server. The files in SERIAL run afterwards one at a time, alone: they
// measure wall-clock time or sleep for a fixed while and expect the other side to have moved, which
// a busy neighbour can break. A file's output is printed whole when it ends, then a table of the
// slowest files and the totals.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Files that must not share the machine with another test file, and why. */
const SERIAL = new Map([
  ['packages/core/test/journal.test.ts', 'sleeps 30 ms, then asserts the uploader has spilled to the journal'],
  ['test/exit-behaviour.test.ts', 'sends SIGTERM 300 ms after start and expects the child still logging'],
  ['test/interop/journal-exit.test.ts', 'sends SIGTERM 200 ms after the first line and expects it mid-run'],
  ['test/interop/journal-durability.test.ts', 'ends runs with 200-500 ms deadlines while the server is down'],
]);

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path).split('\\').join('/'));
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
const concurrency = Math.max(1, Number(process.env.RUNLOG_TEST_CONCURRENCY) || Math.min(2, availableParallelism()));
// Interop files are the longest (each starts MLflow): start them first so none is left running alone at the end.
const parallel = selected.filter((f) => !SERIAL.has(f)).sort((a, b) => Number(b.includes('/interop/')) - Number(a.includes('/interop/')));
const serial = selected.filter((f) => SERIAL.has(f));

// Journals of runs logged to test servers go to throw-away directories, never the user's own.
const journalRoot = process.env.RUNLOG_JOURNAL_DIR ?? mkdtempSync(join(tmpdir(), 'runlog-test-journal-'));

/** Runs one file; resolves to its exit code, duration and counts once its output is printed. */
function runFile(file, index) {
  const started = Date.now();
  const journalDir = process.env.RUNLOG_JOURNAL_DIR ?? join(journalRoot, String(index));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--test', ...flags, file], {
    cwd: root,
    env: { ...process.env, RUNLOG_JOURNAL_DIR: journalDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.stderr.on('data', (c) => chunks.push(c));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      const seconds = (Date.now() - started) / 1000;
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      const ok = code === 0;
      process.stdout.write(`\n# ==== ${file} (${seconds.toFixed(1)} s, ${ok ? 'ok' : `FAILED: exit ${code ?? signal}`})\n${output}`);
      resolve({ file, ok, seconds, tests: count('tests'), pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped') });
    });
  });
}

async function runAll(list, limit, offset) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      results.push(await runFile(list[i], offset + i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
  return results;
}

const started = Date.now();
const results = [...(await runAll(parallel, concurrency, 0)), ...(await runAll(serial, 1, parallel.length))];
if (!process.env.RUNLOG_JOURNAL_DIR) rmSync(journalRoot, { recursive: true, force: true });

const sum = (key) => results.reduce((n, r) => n + r[key], 0);
const failed = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 15);
process.stdout.write(
  [
    '',
    `# ==== ${results.length} files (${parallel.length} at ${concurrency} at a time, ${serial.length} alone) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    '# slowest files:',
    ...slowest.map((r) => `#   ${r.seconds.toFixed(1).padStart(6)} s  ${r.file}${SERIAL.has(r.file) ? '  (alone)' : ''}`),
    ...failed.map((r) => `# FAILED ${r.file}`),
    // The closing line, in the plain form any CI reads: a file that failed without a failing test
    // (it crashed at import, or a test was cancelled) counts as one failure.
    `tests: ${sum('pass')} passed, ${sum('fail') + sum('cancelled') + failed.filter((r) => r.fail + r.cancelled === 0).length} failed, ${sum('skipped')} skipped`,
    '',
  ].join('\n'),
);
process.exit(failed.length ? 1 : 0);
