import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { RunlogClient } from '@runlog/core';
import { removeDir, tempDir } from './fixtures.js';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..', '..');

/**
 * Real user scripts in child processes: an ES module that enables autologging before importing
 * TF.js, and a CommonJS script that requires TF.js first (and requires runlog's built dist). Both
 * must land one FINISHED autolog run with a point per epoch.
 */
describe('tfjs autolog from ES modules and CommonJS', () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('runlog-tfjs-modules-');
  });
  after(async () => {
    await removeDir(dir);
  });

  async function runScript(args: string[], store: string): Promise<{ stdout: string; stderr: string }> {
    return run(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, MLFLOW_TRACKING_URI: store, NODE_OPTIONS: '' },
      timeout: 120_000,
    });
  }

  async function onlyRun(store: string, epochs: number): Promise<void> {
    const client = new RunlogClient({ trackingUri: store });
    try {
      const { items } = await client.searchRuns({ experimentIds: ['0'] });
      assert.equal(items.length, 1);
      const r = items[0]!;
      assert.equal(r.info.status, 'FINISHED');
      assert.equal(r.data.tags['mlflow.autologging'], 'tfjs');
      assert.equal(r.data.params['epochs'], String(epochs));
      assert.deepEqual((await client.getMetricHistory(r.info.runId, 'loss')).map((m) => m.step), [...Array(epochs).keys()]);
    } finally {
      await client.close();
    }
  }

  it('an ES module that imports tf after enabling autolog is logged', async () => {
    const store = join(dir, 'esm');
    const { stdout } = await runScript(['--conditions=source', '--import', 'tsx', join(here, 'module-systems', 'user-script.mts')], store);
    assert.deepEqual(JSON.parse(stdout.trim()), { module: 'esm', epochs: 3 });
    await onlyRun(store, 3);
  });

  it('a CommonJS script that required tf before enabling autolog is logged', async () => {
    const store = join(dir, 'cjs');
    const { stdout } = await runScript([join(here, 'module-systems', 'user-script.cjs')], store);
    assert.deepEqual(JSON.parse(stdout.trim()), { module: 'cjs', epochs: 2 });
    await onlyRun(store, 2);
  });
});
