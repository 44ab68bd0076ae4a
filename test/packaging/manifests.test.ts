// Issue 11: every publishable package.json carries the packaging fields a user's install needs,
// and all packages move together: one version, internal dependencies pinned to it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { manifestProblems, NODE_ENGINE } from '../../scripts/release/manifest-checks.js';
import { workspacePackages } from '../../scripts/release/workspace.js';

describe('package manifests', () => {
  it('are publishable and in step (one version, internal ranges pinned to it, engines, exports, prepack)', () => {
    const { root, packages } = workspacePackages();
    assert.ok(packages.length >= 6);
    assert.deepEqual(manifestProblems(root, packages), []);
  });

  it('the check catches a version out of step, a loose internal range and exports without types first', () => {
    const { root, packages } = workspacePackages();
    const broken = packages.map((p) => structuredClone(p));
    const runlog = broken.find((p) => p.manifest.name === 'runlog')!;
    runlog.manifest.version = '9.9.9';
    runlog.manifest.dependencies!['@runlog/core'] = '^0.1.0';
    const core = broken.find((p) => p.manifest.name === '@runlog/core')!;
    core.manifest.exports!['.'] = { default: './dist/index.js', types: './dist/index.d.ts' };
    core.manifest.engines = { node: '>=20' };
    const problems = manifestProblems(root, broken);
    assert.ok(problems.some((p) => p.startsWith('versions differ')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('dependencies.@runlog/core is "^0.1.0"')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes('"types" first')), problems.join('\n'));
    assert.ok(problems.some((p) => p.includes(`expected ${NODE_ENGINE}`)), problems.join('\n'));
  });
});
