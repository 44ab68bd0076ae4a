// The public API of every package, as the runtime names a user gets from importing it. A change to
// an export list fails here until the snapshot is updated on purpose:
//   RUNLOG_UPDATE_SNAPSHOTS=1 node scripts/run-tests.mjs public-api
// (issue #11: `runlog` re-exported all of @runlog/core with `export *`, plumbing included.)
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const SNAPSHOT = fileURLToPath(new URL('./snapshots/public-api.json', import.meta.url));
const PACKAGES = ['runlog', '@runlog/core', '@runlog/models', '@runlog/serve', '@runlog/projects', '@runlog/onnx', '@runlog/tfjs'] as const;

/** Plumbing that must never be public again (named in issue #11). */
const NEVER_PUBLIC = [
  'pyYamlDump',
  'pyYamlLoad',
  'resolvePlain',
  'compareCodePoints',
  'FileArtifacts',
  'RestClient',
  'RestStore',
  'FileStore',
  'BatchUploader',
  'requireFramework',
  'startRunForAutolog',
  'beginAutologRun',
  'openStore',
  'RetryableError',
];

async function publicNames(): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const pkg of PACKAGES) out[pkg] = Object.keys(await import(pkg)).sort();
  return out;
}

describe('public API', () => {
  it('exports exactly the names in the snapshot, package by package', async () => {
    const actual = await publicNames();
    if (process.env.RUNLOG_UPDATE_SNAPSHOTS === '1') writeFileSync(SNAPSHOT, JSON.stringify(actual, null, 2) + '\n');
    const expected = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, string[]>;
    for (const pkg of PACKAGES) assert.deepEqual(actual[pkg], expected[pkg], `public exports of ${pkg} changed`);
  });

  it('keeps plumbing out of runlog and @runlog/core (it lives in @runlog/core/internal)', async () => {
    const runlog = await import('runlog');
    const core = await import('@runlog/core');
    const internal = (await import('@runlog/core/internal')) as Record<string, unknown>;
    for (const name of NEVER_PUBLIC) {
      assert.equal(name in runlog, false, `runlog exports ${name}`);
      assert.equal(name in core, false, `@runlog/core exports ${name}`);
      assert.equal(typeof internal[name], 'function', `@runlog/core/internal lacks ${name}`);
    }
  });

  it('gives runlog users every public name of @runlog/core', async () => {
    const runlog = await import('runlog');
    const missing = Object.keys(await import('@runlog/core')).filter((n) => !(n in runlog));
    assert.deepEqual(missing, []);
  });
});
