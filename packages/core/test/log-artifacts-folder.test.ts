import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { InvalidArgumentError } from '../src/errors.js';

// Issue 10, small ones: logArtifacts and symbolic links; names reserved for artifacts in progress.

describe('logArtifacts: symbolic links and reserved names (issue 10)', () => {
  let root: string;
  let client: RunlogClient;
  const warnings: Error[] = [];
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'runlog-logartifacts-'));
    client = new RunlogClient({ trackingUri: join(root, 'mlruns'), onError: (e) => warnings.push(e) });
  });
  after(async () => {
    await client.close(1000);
    await rm(root, { recursive: true, force: true });
  });

  async function newRun(): Promise<string> {
    return (await client.createRun('0')).info.runId;
  }

  async function artifactFiles(runId: string): Promise<string[]> {
    const dst = await client.downloadArtifacts(runId, '', join(root, `dl-${runId}`));
    return (await readdir(dst, { recursive: true })).map(String).sort();
  }

  it('uploads a symlinked file whose target is inside the folder, and reports one outside', async () => {
    const folder = join(root, 'folder');
    await mkdir(join(folder, 'sub'), { recursive: true });
    await writeFile(join(folder, 'weights.bin'), 'inside bytes');
    await writeFile(join(root, 'secret.txt'), 'outside bytes');
    await symlink(join(folder, 'weights.bin'), join(folder, 'sub', 'latest.bin'));
    await symlink(join(root, 'secret.txt'), join(folder, 'outside.txt'));
    await symlink(join(root, 'missing'), join(folder, 'dangling'));
    warnings.length = 0;
    const runId = await newRun();
    await client.logArtifacts(runId, folder);
    const files = await artifactFiles(runId);
    assert.deepEqual(files, ['sub', 'sub/latest.bin', 'weights.bin']);
    assert.equal(await readFile(join(root, `dl-${runId}`, 'sub', 'latest.bin'), 'utf8'), 'inside bytes');
    const said = warnings.map((w) => w.message).join('\n');
    assert.match(said, /skipped "outside\.txt": it is a symbolic link to .*outside the folder/);
    assert.match(said, /skipped "dangling"/);
    assert.ok(warnings.every((w) => w instanceof InvalidArgumentError));
  });

  it('refuses artifact names reserved for artifacts in progress, uploading nothing', async () => {
    const runId = await newRun();
    const folder = join(root, 'reserved');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'a.txt'), 'a');
    await writeFile(join(folder, '.runlog-download.b'), 'b');
    await assert.rejects(client.logArtifacts(runId, folder), /reserved for artifacts in progress/);
    assert.deepEqual(await artifactFiles(runId), []);
    await assert.rejects(client.logArtifact(runId, join(folder, '.runlog-download.b')), InvalidArgumentError);
    await assert.rejects(client.logText(runId, 'x', 'notes/.artifact.uploading.1'), /reserved/);
    await assert.rejects(client.logText(runId, 'x', '.runlog-download.1'), /reserved/);
  });

  it('uploads many files with bounded concurrency and keeps them all', async () => {
    const runId = await newRun();
    const folder = join(root, 'many');
    await mkdir(join(folder, 'd'), { recursive: true });
    for (let i = 0; i < 25; i++) await writeFile(join(folder, i % 2 ? 'd' : '', `f${i}.txt`), String(i));
    await client.logArtifacts(runId, folder, 'out');
    const files = (await artifactFiles(runId)).filter((f) => f.endsWith('.txt'));
    assert.equal(files.length, 25);
  });
});
