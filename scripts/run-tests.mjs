#!/usr/bin/env node
// Runs every *.test.ts of the repository with node:test (TAP reporter) through the tsx loader: the
// package tests beside their packages and the cross-package tests in test/. The files are found
// here, not by `node --test`: the runner decides which share a process. Arguments without a
// leading '-' select files by substring; the others are passed to node (e.g. --test-name-pattern=...).
//
// Units: the test files of one package (packages/<name>/test/*.test.ts) run together in one Node
// process, imported by one generated entry module; each cross-package file (test/) runs in a
// process of its own. Starting Node with the TypeScript loader and loading the packages costs
// about half a CPU-second a process, more than most unit-test files take to run, so one process a
// package saves most of that. The contract this puts on package tests: a file leaves no global
// state behind (autolog disabled, patches undone, listeners removed, env restored), and captures
// what it compares against before any test runs (all files of a unit are loaded before the first
// test starts, since the entry imports them statically). Hooks at a file's top level belong to the
// process, not the file: a top-level before/after runs once, before the package's first test or
// after its last, and a top-level beforeEach/afterEach would run around every other file's tests
// too, so the runner refuses those (they go inside the file's describe).
//
// Each unit has its own journal directory, and up to RUNLOG_TEST_CONCURRENCY units run at once:
// they use temp dirs and port-0 servers. The default is one more than the cores, at most 3: part of
// each unit's time is spent waiting (on MLflow, a browser, npm, a child), which a third unit fills
// on 2 cores; and every interop file talks to one shared single-worker MLflow server, so more at
// once only queues there (4 at once made time-bounded interop tests fail on a 2-core machine loaded
// by others; 3 passed with one of the 2 cores kept busy by another process). The longest units
// start first (durations of the last run are kept in node_modules/.cache/runlog-tests/), so none
// is left running alone at the end. No test needs the machine to itself: a test that waits for
// another process waits for what that process says (a handshake), not for a fixed while. A unit's
// TAP output is printed whole when it ends, then a table of the slowest units, the harness's counts
// and the totals.
//
// Shared MLflow server: when a selected file calls sharedMlflowServer() (test/support/mlflow-env.ts),
// one plain `mlflow server` is started here, beside the first files, by test/support/
// shared-mlflow-host.ts, and every file that asks for it gets it (RUNLOG_TEST_MLFLOW_SHARED names
// the file where its address appears). It is stopped when the run ends, also on a failure, Ctrl-C
// or SIGTERM; if this process is killed outright, the host sees its stdin close and stops it too.
// The same for Python: when a selected file runs Python snippets (runPython()), one fork server
// (test/support/shared-python-host.ts) imports mlflow once for the whole run and every file's
// snippets are forked from it over a unix socket (RUNLOG_TEST_PY_SHARED names its info file).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

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
const concurrency = Math.max(1, Number(process.env.RUNLOG_TEST_CONCURRENCY) || Math.min(3, availableParallelism() + 1));

// Test files import the packages' sources, but the children they start (the CLI, fixtures, example
// scripts) run on the built packages (test/support/child-node.ts): build first, so a child never
// runs code older than the sources. Incremental: a second or two when nothing changed.
const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('run-tests: `tsc -b` failed; the packages must build before the tests run');
  process.exit(1);
}

/** A package's test files form one unit, named after their folder; any other file is a unit alone. */
function toUnits(list) {
  const byPackage = new Map();
  const units = [];
  for (const file of list) {
    const dir = /^packages\/[^/]+\/test\/[^/]+\.test\.ts$/.test(file) ? file.slice(0, file.lastIndexOf('/')) : undefined;
    if (dir === undefined) units.push({ name: file, files: [file] });
    else if (byPackage.has(dir)) byPackage.get(dir).files.push(file);
    else {
      const unit = { name: dir, files: [file] };
      byPackage.set(dir, unit);
      units.push(unit);
    }
  }
  // a package unit of one selected file keeps the file's own name
  for (const u of byPackage.values()) if (u.files.length === 1) u.name = u.files[0];
  return units;
}

// Longest first, by the durations of the last run; units never timed count as long when they are
// interop files (each waits on MLflow), short otherwise.
const durationsFile = join(root, 'node_modules', '.cache', 'runlog-tests', 'durations.json');
const lastDurations = readJson(durationsFile) ?? {};
/**
 * How a unit is shown and timed: a package unit with its number of files, so that the duration of
 * a run of a few of them is not taken for all of them.
 */
const label = (name, files) => (files > 1 ? `${name} (${files} files)` : name);
const expected = (u) => lastDurations[label(u.name, u.files.length)] ?? (u.name.includes('/interop/') ? 120 : 5 * u.files.length);
const units = toUnits(selected).sort((a, b) => expected(b) - expected(a));
/** Each selected file's source, read once for the checks below. */
const sources = new Map(selected.map((f) => [f, readFileSync(join(root, f), 'utf8')]));

// A top-level beforeEach/afterEach in a file that shares its process would wrap other files' tests.
const leaky = units
  .filter((u) => u.files.length > 1)
  .flatMap((u) => u.files)
  .filter((f) => /^(beforeEach|afterEach)\(/m.test(sources.get(f)));
if (leaky.length) {
  console.error(`run-tests: a top-level beforeEach/afterEach would run around the tests of every file of its package; move it inside the file's describe:\n  ${leaky.join('\n  ')}`);
  process.exit(1);
}

// Journals of runs logged to test servers go to throw-away directories, never the user's own.
const scratch = mkdtempSync(join(tmpdir(), 'runlog-test-run-'));
const journalRoot = process.env.RUNLOG_JOURNAL_DIR ?? join(scratch, 'journals');
const statsFile = join(scratch, 'harness-stats.txt');
const uses = (file, call) => sources.get(file).includes(call);
const shared = selected.some((f) => uses(f, 'sharedMlflowServer(')) ? startHost('shared-mlflow-host.ts', 'RUNLOG_TEST_MLFLOW_SHARED', []) : undefined;
const sharedPython =
  selected.some((f) => uses(f, 'runPython(')) && process.env.RUNLOG_PY_FORK_SERVER !== '0' && process.platform !== 'win32'
    ? startHost('shared-python-host.ts', 'RUNLOG_TEST_PY_SHARED', [join(scratch, 'python-fork.sock')])
    : undefined;
const sharedEnv = { ...shared?.env, ...sharedPython?.env };
const stopHosts = () => Promise.all([shared?.stop(), sharedPython?.stop()]);
const running = new Set();

/**
 * Starts a host of something shared (test/support/<script>); children learn its info file from
 * the environment variable `name` and its pid from `${name}_PID`.
 */
function startHost(script, name, args) {
  const infoFile = join(scratch, `${script}.json`);
  const host = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', `test/support/${script}`, infoFile, ...args], {
    cwd: root,
    env: { ...process.env, RUNLOG_TEST_STATS: statsFile },
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => host.once('close', resolve));
  return {
    env: { [name]: infoFile, [`${name}_PID`]: String(host.pid) },
    /** Closing its stdin makes the host exit, and its exit hook kills the server; SIGKILL if it hangs. */
    async stop() {
      host.stdin.end();
      const timer = setTimeout(() => host.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

// Ctrl-C or SIGTERM: stop the files that run and the shared hosts, then leave with the signal's code.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(sig, () => {
    for (const child of running) child.kill('SIGTERM');
    void stopHosts().finally(() => {
      rmSync(scratch, { recursive: true, force: true });
      process.exit(code);
    });
  });
}

/**
 * The module a unit's process runs: the file itself, or for several files an entry that imports
 * them all statically, so that every file is loaded before the first test starts.
 */
function entryOf(unit, index) {
  if (unit.files.length === 1) return unit.files[0];
  const entry = join(scratch, `unit-${index}.mjs`);
  writeFileSync(entry, unit.files.map((f) => `import ${JSON.stringify(pathToFileURL(join(root, f)).href)};\n`).join(''));
  return entry;
}

/** Runs one unit; resolves to its exit code, duration and counts once its output is printed. */
function runUnit(unit, index) {
  const started = Date.now();
  const journalDir = process.env.RUNLOG_JOURNAL_DIR ?? join(journalRoot, String(index));
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--test-reporter=tap', ...flags, entryOf(unit, index)], {
    cwd: root,
    env: { ...process.env, RUNLOG_JOURNAL_DIR: journalDir, RUNLOG_TEST_STATS: statsFile, ...sharedEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const chunks = [];
  child.stdout.on('data', (c) => chunks.push(c));
  child.stderr.on('data', (c) => chunks.push(c));
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      running.delete(child);
      const output = Buffer.concat(chunks).toString('utf8');
      const seconds = (Date.now() - started) / 1000;
      const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(output)?.[1] ?? 0);
      const ok = code === 0;
      process.stdout.write(`\n# ==== ${label(unit.name, unit.files.length)} (${seconds.toFixed(1)} s, ${ok ? 'ok' : `FAILED: exit ${code ?? signal}`})\n${output}`);
      resolve({ name: unit.name, files: unit.files.length, ok, seconds, tests: count('tests'), pass: count('pass'), fail: count('fail'), cancelled: count('cancelled'), skipped: count('skipped') });
    });
  });
}

async function runAll(list, limit) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      results.push(await runUnit(list[i], i));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
  return results;
}

const started = Date.now();
let results;
try {
  results = await runAll(units, concurrency);
} finally {
  await stopHosts();
}
const stats = (readText(statsFile) ?? '').split('\n').filter(Boolean).reduce((m, e) => m.set(e, (m.get(e) ?? 0) + 1), new Map());
rmSync(scratch, { recursive: true, force: true });
saveDurations(results);

function readText(path) {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Keeps this run's durations for the next run's order (best effort: a cache, not a record). */
function saveDurations(list) {
  try {
    const next = { ...lastDurations };
    for (const r of list) next[label(r.name, r.files)] = Math.round(r.seconds * 10) / 10;
    mkdirSync(join(durationsFile, '..'), { recursive: true });
    writeFileSync(durationsFile, JSON.stringify(next, null, 1));
  } catch {
    // no cache then
  }
}

const sum = (key) => results.reduce((n, r) => n + r[key], 0);
const failed = results.filter((r) => !r.ok);
const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 15);
process.stdout.write(
  [
    '',
    `# ==== ${sum('files')} files in ${results.length} processes (${concurrency} at a time) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    '# slowest:',
    ...slowest.map((r) => `#   ${r.seconds.toFixed(1).padStart(6)} s  ${label(r.name, r.files)}`),
    `# harness: ${stats.get('server-start') ?? 0} mlflow server starts (restarts included), ${stats.get('shared-server-use') ?? 0} uses of the shared server, ` +
      `${stats.get('python-fork-server') ?? 0} python fork servers (${stats.get('shared-python-use') ?? 0} files on the shared one), ${stats.get('python-fork') ?? 0} snippets forked, ${stats.get('python-spawn') ?? 0} spawned`,
    ...failed.map((r) => `# FAILED ${r.name}`),
    // The closing line, in the plain form any CI reads: a unit that failed without a failing test
    // (it crashed at import, or a test was cancelled) counts as one failure.
    `tests: ${sum('pass')} passed, ${sum('fail') + sum('cancelled') + failed.filter((r) => r.fail + r.cancelled === 0).length} failed, ${sum('skipped')} skipped`,
    '',
  ].join('\n'),
);
process.exit(failed.length ? 1 : 0);
