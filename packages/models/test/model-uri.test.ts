import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidModelUriError } from '@runlog/core';
import { parseModelUri } from '../src/index.js';

describe('parseModelUri', () => {
  const ok: Array<[string, Record<string, unknown>]> = [
    ['runs:/0a1b2c3d/model', { kind: 'runs', runId: '0a1b2c3d', artifactPath: 'model' }],
    ['runs:/0a1b2c3d/nested/dir/model/', { kind: 'runs', runId: '0a1b2c3d', artifactPath: 'nested/dir/model' }],
    ['runs:/0a1b2c3d', { kind: 'runs', runId: '0a1b2c3d', artifactPath: '' }],
    ['models:/m-0123456789abcdef', { kind: 'logged-model', modelId: 'm-0123456789abcdef' }],
    ['models:/my-model/3', { kind: 'registry', name: 'my-model', version: '3' }],
    ['models:/my-model/Production', { kind: 'registry', name: 'my-model', stage: 'Production' }],
    ['models:/my-model/latest', { kind: 'registry', name: 'my-model', latest: true }],
    ['models:/my-model/LATEST', { kind: 'registry', name: 'my-model', latest: true }],
    ['models:/my-model@champion', { kind: 'registry', name: 'my-model', alias: 'champion' }],
    ['models:/team@corp.model@champion', { kind: 'registry', name: 'team@corp.model', alias: 'champion' }],
    ['mlflow-artifacts:/1/models/m-abc/artifacts', { kind: 'artifact' }],
    ['mlflow-artifacts://localhost:5000/1/models/m-abc/artifacts', { kind: 'artifact' }],
    ['file:///tmp/models/m1', { kind: 'local', path: '/tmp/models/m1' }],
    ['file:///tmp/my%20model', { kind: 'local', path: '/tmp/my model' }],
    ['/tmp/models/m1', { kind: 'local', path: '/tmp/models/m1' }],
    ['models/m1', { kind: 'local', path: resolve('models/m1') }],
    ['../models/m1', { kind: 'local', path: resolve('../models/m1') }],
  ];
  for (const [uri, expected] of ok) {
    it(`parses ${uri}`, () => {
      const parsed = parseModelUri(uri) as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(expected)) assert.deepEqual(parsed[k], v, k);
      assert.equal(parsed.uri, uri);
    });
  }

  const bad: Array<[string, RegExp]> = [
    ['', /required/],
    ['runs:/0a1b2c3d/../other-run/model', /traversal/],
    ['runs:/0a1b2c3d/model/../../x', /traversal/],
    ['runs:/0a1b2c3d/%2e%2e/x', /traversal/],
    ['runs:/0a1b2c3d/a\\..\\b', /traversal/],
    ['runs:/0a1b2c3d/./model', /traversal/],
    ['runs://0a1b2c3d/model', /runs:\/<run_id>/],
    ['runs:/../model', /not a run id/],
    ['runs:/', /not a run id/],
    ['models:/', /expected 'models:/],
    ['models:/a/b/c', /expected 'models:/],
    ['models:/name/', /expected 'models:/],
    ['models:/name@', /expected 'models:/],
    ['models:/../x', /traversal/],
    ['models:/m-1/..', /traversal/],
    ['file:///tmp/models/../../etc', /traversal/],
    ['file:relative/path', /absolute/],
    ['mlflow-artifacts:/1/../../secrets', /traversal/],
    ['mlflow-artifacts:/1/%2E%2E/x', /traversal/],
    ['s3://bucket/model', /unsupported scheme 's3:'/],
    ['http://host/model', /unsupported scheme/],
    ['/tmp/a\0b', /NUL/],
  ];
  for (const [uri, pattern] of bad) {
    it(`refuses ${JSON.stringify(uri)} with InvalidModelUriError`, () => {
      assert.throws(() => parseModelUri(uri), (err: Error) => err instanceof InvalidModelUriError && pattern.test(err.message));
    });
  }
});
