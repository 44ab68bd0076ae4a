import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RunlogClient } from '@runlog/core';
import { LINEAR, tempDir } from './support/fixtures.js';

const CHILD = fileURLToPath(new URL('./support/autolog-exit-child.ts', import.meta.url));

function runChild(dir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', CHILD, dir, LINEAR], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('onnx autolog at process exit', () => {
  it('ends the run of a session never released FINISHED on beforeExit, with its last window, and lets the process exit', async () => {
    const dir = await tempDir('runlog-onnx-exit-');
    const { code, output } = await runChild(dir);
    assert.equal(code, 0, output);
    assert.equal(output, 'done\n');
    const client = new RunlogClient({ trackingUri: dir });
    try {
      const runs = (await client.searchRuns({ experimentIds: ['0'] })).items;
      assert.equal(runs.length, 1);
      const run = runs[0]!;
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.data.tags['mlflow.autologging'], 'onnx');
      const calls = (await client.getMetricHistory(run.info.runId, 'inference_calls')).map((m) => [m.step, m.value]);
      assert.deepEqual(calls, [[10, 10], [20, 20], [25, 25]]);
      const rows = (await client.getMetricHistory(run.info.runId, 'inference_rows_per_call')).map((m) => m.value);
      assert.deepEqual(rows, [3, 3, 3]);
    } finally {
      await client.close();
    }
  });
});
