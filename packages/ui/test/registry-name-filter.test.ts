// The app's model-version filter for one model name, run through core's registry search (which
// evaluates filters as MLflow does): each name finds its own versions and no other model's, also
// with quotes of either kind, both kinds, and names a LIKE wildcard would confuse.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileRegistryStore } from '@runlog/core/internal';
import { nameFilter, sameName } from '../web/src/api/name-filter.js';

const NAMES = ['plain', "it's", 'say "hi"', `both ' and "`, `both x and "`, 'under_score', 'underXscore', 'spaces ? # é'];

describe('registry name filter', () => {
  let dir: string;
  let registry: FileRegistryStore;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-name-filter-'));
    registry = new FileRegistryStore(dir);
    for (const [i, name] of NAMES.entries()) {
      await registry.createRegisteredModel(name);
      for (let v = 0; v <= i % 2; v++) await registry.createModelVersion({ name, source: `file:///models/${i}/${v}` });
    }
  });
  after(async () => {
    await registry?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('finds exactly the versions of each name', async () => {
    for (const [i, name] of NAMES.entries()) {
      const found = sameName(name, (await registry.searchModelVersions({ filter: nameFilter(name) })).items);
      assert.deepEqual(found.map((v) => v.name), Array.from({ length: 1 + (i % 2) }, () => name), nameFilter(name));
    }
  });

  it('writes plain literals unless the name holds both kinds of quote', () => {
    assert.equal(nameFilter("it's"), `name = "it's"`);
    assert.equal(nameFilter('say "hi"'), `name = 'say "hi"'`);
    assert.equal(nameFilter(`both ' and "`), `name LIKE 'both _ and "'`);
  });
});
