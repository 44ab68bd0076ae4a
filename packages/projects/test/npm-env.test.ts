// --env-manager npm: `npm ci` once per lockfile digest and Node version into a cache, reused by
// later runs; the run records the environment's identity.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { prepareEnv, run } from '../src/index.js';
import { makeProject, makeStore, RECORDER } from './support.js';

describe('npm environments', () => {
  const store = makeStore();
  after(() => store.client.close());
  const cacheDir = mkdtempSync(join(tmpdir(), 'runlog-npm-envs-'));

  it('is the default with a lockfile: installs into the cache once, links node_modules to it, and tags the Node version and lockfile digest', async () => {
    const dir = makeProject({
      MLproject: 'entry_points:\n  main:\n    command: "node rec.mjs"\n',
      'rec.mjs': RECORDER,
      'package.json': JSON.stringify({ name: 'p', version: '1.0.0', type: 'module' }),
    });
    execFileSync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' });
    const digest = createHash('sha256').update(readFileSync(join(dir, 'package-lock.json'))).digest('hex');

    const first = await run({ uri: dir, trackingUri: store.uri, stdio: 'ignore', envCacheDir: cacheDir });
    assert.equal(await first.wait(), true);
    const envDir = join(cacheDir, `${digest.slice(0, 32)}-node${process.versions.node}`);
    assert.equal(readlinkSync(join(dir, 'node_modules')), join(envDir, 'node_modules'));
    const built = statSync(join(envDir, '.runlog-env-ready')).mtimeMs;
    const tags = (await store.client.getRun(first.runId)).data.tags;
    assert.equal(tags['mlflow.project.env'], 'npm');
    assert.equal(tags['runlog.project.lockfileDigest'], digest);
    assert.equal(tags['runlog.project.nodeVersion'], process.versions.node);

    // The second run reuses the environment: nothing is installed again.
    const second = await run({ uri: dir, trackingUri: store.uri, stdio: 'ignore', envCacheDir: cacheDir });
    assert.equal(await second.wait(), true);
    assert.equal(statSync(join(envDir, '.runlog-env-ready')).mtimeMs, built);
    const again = await prepareEnv(dir, 'npm', { cacheDir });
    assert.equal(again.envDir, envDir);
  });

  it('refuses --env-manager npm without a lockfile, and env managers runlog does not provide', async () => {
    const dir = makeProject({ MLproject: 'entry_points:\n  main:\n    command: "true"\n' });
    await assert.rejects(run({ uri: dir, envManager: 'npm', trackingUri: store.uri, envCacheDir: cacheDir }), /--env-manager npm needs a package-lock\.json/);
    await assert.rejects(run({ uri: dir, envManager: 'conda', trackingUri: store.uri }), /Unsupported env manager 'conda'/);
  });
});
