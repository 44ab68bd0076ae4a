import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { environmentTags, installedVersions, nearestLockfile } from '../src/run-environment-tags.js';

describe('run environment tags', () => {
  let dir: string;
  const lock = '{"lockfileVersion": 3}\n';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-env-'));
    await writeFile(join(dir, 'package-lock.json'), lock);
    await mkdir(join(dir, 'node_modules', '@tensorflow', 'tfjs'), { recursive: true });
    await writeFile(join(dir, 'node_modules', '@tensorflow', 'tfjs', 'package.json'), '{"name":"@tensorflow/tfjs","version":"4.22.0"}');
    await mkdir(join(dir, 'src', 'train'), { recursive: true });
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the frameworks installed for the entry folder and the nearest lockfile with its SHA-256', () => {
    const from = join(dir, 'src', 'train');
    assert.deepEqual(installedVersions(from, ['@tensorflow/tfjs', 'onnxruntime-node']), { '@tensorflow/tfjs': '4.22.0' });
    const found = nearestLockfile(from);
    assert.equal(found?.name, 'package-lock.json');
    assert.equal(found?.digest, createHash('sha256').update(lock).digest('hex'));
    const tags = Object.fromEntries(environmentTags(from).map((t) => [t.key, t.value]));
    assert.equal(tags['runlog.env.node'], process.version);
    assert.equal(tags['runlog.env.frameworks'], '{"@tensorflow/tfjs":"4.22.0"}');
    assert.equal(tags['runlog.env.lockfile'], 'package-lock.json');
    assert.equal(tags['runlog.env.lockfileDigest'], `sha256:${found!.digest}`);
  });

  it('puts no environment variable into any tag', () => {
    process.env.RUNLOG_TEST_SECRET = 'hunter2-very-secret';
    try {
      const values = environmentTags(join(dir, 'src')).map((t) => t.value).join('\n');
      assert.doesNotMatch(values, /hunter2/);
    } finally {
      delete process.env.RUNLOG_TEST_SECRET;
    }
  });
});
