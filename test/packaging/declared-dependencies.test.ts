// Issue 11: a dependency or peer a package declares is one its src uses. Entries of PENDING_USE are
// the only exceptions, each with its reason, and each must still be unused (else remove it).
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { packagesNamedIn, PENDING_USE, unusedDependencies } from '../../scripts/release/declared-dependencies.js';
import { REPO_ROOT, workspacePackages } from '../../scripts/release/workspace.js';

describe('declared dependencies', () => {
  const unused = unusedDependencies(REPO_ROOT, workspacePackages().packages);

  it('every dependency and peer a package declares is imported (or loaded by name) by its src', (t) => {
    const unexpected = unused.filter((u) => !PENDING_USE[u.package]?.[u.dependency]);
    assert.deepEqual(
      unexpected.map((u) => `${u.package} declares ${u.dependency} (${u.section}) but its src never imports it`),
      [],
    );
    for (const u of unused) t.diagnostic(`pending: ${u.package} declares ${u.dependency} unused: ${PENDING_USE[u.package]![u.dependency]}`);
  });

  it('each PENDING_USE entry is still unused; once the dependency is imported, the entry must go', () => {
    const stale = Object.entries(PENDING_USE).flatMap(([pkg, deps]) =>
      Object.keys(deps).filter((dep) => !unused.some((u) => u.package === pkg && u.dependency === dep)).map((dep) => `${pkg}: ${dep}`),
    );
    assert.deepEqual(stale, [], 'these are imported now (or no longer declared): remove them from PENDING_USE in scripts/release/declared-dependencies.ts');
  });

  it('counts import and export specifiers, import(), require() and names passed as strings, but not comments', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runlog-deps-'));
    try {
      await mkdir(join(dir, 'nested'));
      await writeFile(
        join(dir, 'a.ts'),
        [
          "import type { X } from '@scope/typed';",
          "export { y } from 'reexported/sub/path';",
          "const lazy = () => import('lazy-pkg');",
          "const TF = 'by-name';",
          '// import { z } from "only-in-a-comment";',
        ].join('\n'),
      );
      await writeFile(join(dir, 'nested', 'b.ts'), "const r = require('required');");
      const named = packagesNamedIn(dir);
      for (const pkg of ['@scope/typed', 'reexported', 'lazy-pkg', 'by-name', 'required']) assert.ok(named.has(pkg), pkg);
      assert.ok(!named.has('only-in-a-comment'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
