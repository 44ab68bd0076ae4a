// Keeps the golden file of the Python-compatible encoding tests (packages/core/test/py-golden.test.ts)
// current: regenerates it with MLflow's own PyYAML, json and repr in the interop virtualenv and
// compares. When it differs, regenerate with the command at the top of scripts/py-golden.py.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import { ensureMlflow, runPython } from '../support/mlflow-env.js';

const env = await ensureMlflow();
const SCRIPT = new URL('../../scripts/py-golden.py', import.meta.url);
const GOLDEN = new URL('../../packages/core/test/fixtures/py-golden.json', import.meta.url);

describe('interop: Python encoding goldens', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  test('the committed golden file is what Python writes today', async () => {
    const fresh: unknown = await runPython(env!, readFileSync(SCRIPT, 'utf8'));
    assert.deepEqual(fresh, JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });
});
