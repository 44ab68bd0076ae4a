import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  AlreadyExistsError,
  InvalidArgumentError,
  InvalidFilterError,
  NotFoundError,
  RunlogClient,
} from '../src/index.js';
import { FileRegistryStore } from '../src/internal.js';

let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'runlog-registry-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

let n = 0;
/** A client on a fresh mlruns directory. */
async function freshClient(): Promise<{ client: RunlogClient; dir: string }> {
  const dir = join(root, `mlruns-${++n}`);
  return { client: new RunlogClient({ trackingUri: dir, env: {} }), dir };
}

describe('file registry: layout', () => {
  it("writes MLflow 3.18's meta.yaml files, tags/ and aliases/ byte for byte", async () => {
    const dir = join(root, 'layout');
    let t = 1_700_000_000_000; // the first tick goes to the Default experiment of the fresh root
    const store = new FileRegistryStore(dir, { now: () => t++ });
    await store.createRegisteredModel('iris', { tags: { team: 'ml', 'a/b': 'nested' }, description: 'hello' });
    await store.createModelVersion({ name: 'iris', source: 'file:///tmp/x/model', runId: 'abc', tags: { t: 'v' }, description: 'd1' });
    await store.setRegisteredModelAlias('iris', 'champion', '1');
    const modelMeta = await readFile(join(dir, 'models', 'iris', 'meta.yaml'), 'utf8');
    assert.equal(
      modelMeta,
      [
        'aliases:',
        "  champion: '1'",
        'creation_timestamp: 1700000000001',
        'deployment_job_id: null',
        'deployment_job_state: null',
        'description: hello',
        'last_updated_timestamp: 1700000000003',
        'name: iris',
        'workspace: default',
        '',
      ].join('\n'),
    );
    assert.equal(
      await readFile(join(dir, 'models', 'iris', 'version-1', 'meta.yaml'), 'utf8'),
      [
        'creation_timestamp: 1700000000002',
        'current_stage: None',
        'deployment_job_state: null',
        'description: d1',
        'last_updated_timestamp: 1700000000002',
        'model_id: null',
        'name: iris',
        'run_id: abc',
        'run_link: null',
        'source: file:///tmp/x/model',
        'status: READY',
        'status_message: null',
        'storage_location: file:///tmp/x/model',
        'user_id: null',
        'version: 1',
        'workspace: default',
        '',
      ].join('\n'),
    );
    assert.equal(await readFile(join(dir, 'models', 'iris', 'tags', 'team'), 'utf8'), 'ml');
    assert.equal(await readFile(join(dir, 'models', 'iris', 'tags', 'a', 'b'), 'utf8'), 'nested');
    assert.equal(await readFile(join(dir, 'models', 'iris', 'aliases', 'champion'), 'utf8'), '1');
    assert.equal(await readFile(join(dir, 'models', 'iris', 'version-1', 'tags', 't'), 'utf8'), 'v');
    // A fresh root gets the Default experiment, so tracking stores accept the directory; `.trash`
    // (MLflow's FileStore makes it too) holds the staging folders new models are built in.
    assert.deepEqual((await readdir(dir)).sort(), ['.trash', '0', 'models']);
    assert.deepEqual(await readdir(join(dir, '.trash')), []);
    const rm1 = await store.getRegisteredModel('iris');
    assert.deepEqual(rm1.tags, { team: 'ml', 'a/b': 'nested' });
    assert.deepEqual(rm1.aliases, { champion: '1' });
    assert.equal(rm1.latestVersions.length, 1);
    assert.deepEqual(rm1.latestVersions[0]!.aliases, ['champion']);
  });
});

describe('file registry through RunlogClient', () => {
  it('numbers versions max+1 from 1, never reusing a deleted number, and hides deleted versions', async () => {
    const { client } = await freshClient();
    await client.createRegisteredModel('m');
    const versions = [];
    for (let i = 0; i < 3; i++) versions.push((await client.createModelVersion('m', `s3://b/${i}`)).version);
    assert.deepEqual(versions, ['1', '2', '3']);
    await client.setRegisteredModelAlias('m', 'champ', 3);
    await client.deleteModelVersion('m', '3');
    await assert.rejects(client.getModelVersion('m', 3), NotFoundError);
    await assert.rejects(client.getModelVersionByAlias('m', 'champ'), NotFoundError, 'its alias went with it');
    assert.equal((await client.createModelVersion('m', 's3://b/new')).version, '4');
    const { items } = await client.searchModelVersions({ filter: "name = 'm'" });
    assert.deepEqual(items.map((v) => v.version).sort(), ['1', '2', '4']);
    assert.deepEqual((await client.getRegisteredModel('m')).aliases, {});
    await client.close();
  });

  it('sets, moves, reads and deletes aliases with MLflow’s rules', async () => {
    const { client } = await freshClient();
    await client.createRegisteredModel('m');
    await client.createModelVersion('m', 's3://b/1');
    await client.createModelVersion('m', 's3://b/2');
    await client.setRegisteredModelAlias('m', 'champion', '1');
    await client.setRegisteredModelAlias('m', 'Ünïcode_ok-1', 2);
    assert.equal((await client.getModelVersionByAlias('m', 'champion')).version, '1');
    await client.setRegisteredModelAlias('m', 'champion', 2);
    const v2 = await client.getModelVersionByAlias('m', 'champion');
    assert.equal(v2.version, '2');
    assert.deepEqual(v2.aliases, ['champion', 'Ünïcode_ok-1']);
    assert.deepEqual((await client.getModelVersion('m', 1)).aliases, []);
    assert.equal((await client.getModelVersionByAlias('m', 'LATEST')).version, '2', "'latest' is the highest version");
    for (const bad of ['latest', 'Latest', 'v1', 'V22', '', 'a/b', 'a b', 'x'.repeat(256)]) {
      await assert.rejects(client.setRegisteredModelAlias('m', bad, 1), InvalidArgumentError, bad);
    }
    await assert.rejects(client.setRegisteredModelAlias('m', 'x', 9), NotFoundError);
    await assert.rejects(client.setRegisteredModelAlias('nope', 'x', 1), NotFoundError);
    await client.deleteRegisteredModelAlias('m', 'champion');
    await assert.rejects(client.getModelVersionByAlias('m', 'champion'), NotFoundError);
    await client.close();
  });

  it('transitions stages case-insensitively, archives existing versions only for Staging/Production, and reports latest per stage', async () => {
    const { client } = await freshClient();
    await client.createRegisteredModel('m');
    for (let i = 0; i < 3; i++) await client.createModelVersion('m', `s3://b/${i}`);
    assert.equal((await client.transitionModelVersionStage('m', 1, 'production')).currentStage, 'Production');
    assert.equal((await client.transitionModelVersionStage('m', 2, 'PRODUCTION')).currentStage, 'Production');
    assert.equal((await client.getModelVersion('m', 1)).currentStage, 'Production', 'without archiving, both stay');
    await client.transitionModelVersionStage('m', 3, 'Production', true);
    assert.deepEqual(
      await Promise.all([1, 2, 3].map(async (v) => (await client.getModelVersion('m', v)).currentStage)),
      ['Archived', 'Archived', 'Production'],
    );
    await assert.rejects(client.transitionModelVersionStage('m', 1, 'None', true), InvalidArgumentError);
    await assert.rejects(client.transitionModelVersionStage('m', 1, 'Prod'), InvalidArgumentError);
    await client.transitionModelVersionStage('m', 1, 'staging');
    const latest = await client.getLatestVersions('m');
    assert.deepEqual(latest.map((v) => [v.currentStage, v.version]), [['Staging', '1'], ['Production', '3'], ['Archived', '2']]);
    assert.deepEqual((await client.getLatestVersions('m', ['archived'])).map((v) => v.version), ['2']);
    assert.deepEqual((await client.getRegisteredModel('m')).latestVersions.map((v) => v.version), ['1', '3', '2']);
    await client.close();
  });

  it('renames a model with its versions, tags and aliases; the old name is gone and a taken name is refused', async () => {
    const { client, dir } = await freshClient();
    await client.createRegisteredModel('old', { tags: { k: 'v' } });
    await client.createModelVersion('old', 's3://b/1', { tags: { vt: '1' } });
    await client.createModelVersion('old', 's3://b/2');
    await client.setRegisteredModelAlias('old', 'champ', 2);
    await client.createRegisteredModel('taken');
    await assert.rejects(client.renameRegisteredModel('old', 'taken'), AlreadyExistsError);
    const renamed = await client.renameRegisteredModel('old', 'new');
    assert.equal(renamed.name, 'new');
    assert.deepEqual(renamed.tags, { k: 'v' });
    assert.deepEqual(renamed.aliases, { champ: '2' });
    const v1 = await client.getModelVersion('new', 1);
    assert.equal(v1.name, 'new');
    assert.deepEqual(v1.tags, { vt: '1' });
    assert.equal((await client.getModelVersionByAlias('new', 'champ')).version, '2');
    await assert.rejects(client.getRegisteredModel('old'), NotFoundError);
    assert.match(await readFile(join(dir, 'models', 'new', 'version-2', 'meta.yaml'), 'utf8'), /^name: new$/m);
    await client.close();
  });

  it('deletes a registered model with everything in it, and refuses duplicates and bad names', async () => {
    const { client, dir } = await freshClient();
    await client.createRegisteredModel('m');
    await client.createModelVersion('m', 's3://b/1');
    await assert.rejects(client.createRegisteredModel('m'), AlreadyExistsError);
    await client.deleteRegisteredModel('m');
    await assert.rejects(client.getRegisteredModel('m'), NotFoundError);
    assert.deepEqual(await readdir(join(dir, 'models')), []);
    await assert.rejects(client.deleteRegisteredModel('m'), NotFoundError);
    for (const bad of ['a/b', 'a:b', 'a%b', 'a\\b', '', '  ', '..', '..x', '.']) {
      await assert.rejects(client.createRegisteredModel(bad), InvalidArgumentError, JSON.stringify(bad));
    }
    await assert.rejects(client.getModelVersion('m', 'x'), InvalidArgumentError);
    await assert.rejects(client.createModelVersion('missing', 's3://b'), NotFoundError);
    await client.close();
  });

  it('creates a model folder whole: an empty leftover folder (a crash mid-create) does not block the name, and no staging folder stays behind', async () => {
    const { client, dir } = await freshClient();
    await client.createRegisteredModel('first');
    await mkdir(join(dir, 'models', 'half'));
    const created = await client.createRegisteredModel('half', { tags: { t: 'v' } });
    assert.deepEqual([created.name, created.tags], ['half', { t: 'v' }]);
    await assert.rejects(client.createRegisteredModel('half'), AlreadyExistsError);
    assert.deepEqual((await readdir(join(dir, '.trash'))).filter((n) => n.startsWith('runlog-registry-')), []);
    await client.close();
  });

  it('sets and deletes tags on models and versions; tag keys follow MLflow’s rules', async () => {
    const { client } = await freshClient();
    await client.createRegisteredModel('m');
    await client.createModelVersion('m', 's3://b/1');
    await client.setRegisteredModelTag('m', 'n', 5);
    await client.setModelVersionTag('m', 1, 'ok', true);
    assert.deepEqual((await client.getRegisteredModel('m')).tags, { n: '5' });
    assert.deepEqual((await client.getModelVersion('m', 1)).tags, { ok: 'True' });
    await client.deleteRegisteredModelTag('m', 'n');
    await client.deleteModelVersionTag('m', 1, 'ok');
    assert.deepEqual((await client.getRegisteredModel('m')).tags, {});
    assert.deepEqual((await client.getModelVersion('m', 1)).tags, {});
    await assert.rejects(client.setRegisteredModelTag('m', '../x', 'v'), InvalidArgumentError);
    await assert.rejects(client.setModelVersionTag('m', 1, 'k', 'x'.repeat(100_001)), InvalidArgumentError);
    await client.close();
  });

  it('updates descriptions and bumps last_updated_timestamp', async () => {
    const { dir } = await freshClient();
    let t = 1000;
    const client = new RunlogClient({ trackingUri: dir, env: {}, registryStore: new FileRegistryStore(dir, { now: () => t++ }) });
    await client.createRegisteredModel('m');
    await client.createModelVersion('m', 's3://b/1');
    const rm = await client.updateRegisteredModel('m', 'new text');
    assert.equal(rm.description, 'new text');
    assert.equal(rm.lastUpdatedTimestamp, 1003); // ticks: Default experiment, create, version, update
    const mv = await client.updateModelVersion('m', 1, 'version text');
    assert.equal(mv.description, 'version text');
    assert.equal(mv.lastUpdatedTimestamp, 1004);
    await client.close();
  });

  it('resolves a models:/ source to its storage location and download URI', async () => {
    const { client } = await freshClient();
    await client.createRegisteredModel('a');
    await client.createModelVersion('a', 'file:///models/a1');
    await client.setRegisteredModelAlias('a', 'best', 1);
    await client.createRegisteredModel('b');
    const b1 = await client.createModelVersion('b', 'models:/a@best');
    assert.equal(b1.source, 'models:/a@best');
    assert.equal(await client.getModelVersionDownloadUri('b', 1), 'file:///models/a1');
    await assert.rejects(client.createModelVersion('b', 'models:/a/7'), InvalidArgumentError);
    await client.close();
  });
});

describe('file registry search', () => {
  it('filters registered models by name (=, !=, LIKE, ILIKE, IN) and tags, orders and pages them', async () => {
    const { client } = await freshClient();
    for (const name of ['alpha', 'Beta', 'beta-2', 'gamma']) await client.createRegisteredModel(name, { tags: { first: name[0]!.toLowerCase() } });
    const names = async (filter?: string, extra: object = {}) => (await client.searchRegisteredModels({ filter, ...extra })).items.map((m) => m.name);
    assert.deepEqual(await names(), ['Beta', 'alpha', 'beta-2', 'gamma'], 'name ASC by code point');
    assert.deepEqual(await names("name = 'alpha'"), ['alpha']);
    assert.deepEqual(await names("name != 'alpha'"), ['Beta', 'beta-2', 'gamma']);
    assert.deepEqual(await names("name LIKE 'beta%'"), ['beta-2']);
    assert.deepEqual(await names("name ILIKE 'beta%'"), ['Beta', 'beta-2']);
    assert.deepEqual(await names("name IN ('gamma', 'alpha')"), ['alpha', 'gamma']);
    assert.deepEqual(await names("tags.first = 'b' AND name LIKE '%2'"), ['beta-2']);
    assert.deepEqual(await names(undefined, { orderBy: ['name DESC'] }), ['gamma', 'beta-2', 'alpha', 'Beta']);
    const page1 = await client.searchRegisteredModels({ maxResults: 3 });
    assert.equal(page1.items.length, 3);
    const page2 = await client.searchRegisteredModels({ maxResults: 3, pageToken: page1.nextPageToken });
    assert.deepEqual(page2.items.map((m) => m.name), ['gamma']);
    assert.equal(page2.nextPageToken, undefined);
    await assert.rejects(client.searchRegisteredModels({ filter: "run_id = 'x'" }), InvalidFilterError);
    await assert.rejects(client.searchRegisteredModels({ filter: 'tags.first IS NULL' }), InvalidFilterError);
    await assert.rejects(client.searchRegisteredModels({ maxResults: 1001 }), InvalidArgumentError);
    await client.close();
  });

  it('filters model versions by name, run_id, source_path, version_number and tags', async () => {
    const { client } = await freshClient();
    await client.createRegisteredModel('a');
    await client.createRegisteredModel('b');
    await client.createModelVersion('a', 's3://x/1', { runId: 'r1', tags: { stage: 'dev' } });
    await client.createModelVersion('a', 's3://x/2', { runId: 'r2' });
    await client.createModelVersion('b', 's3://y/1', { runId: 'r1' });
    const ids = async (filter: string, orderBy?: string[]) =>
      (await client.searchModelVersions({ filter, orderBy })).items.map((v) => `${v.name}/${v.version}`);
    assert.deepEqual(await ids("name = 'a'", ['version_number ASC']), ['a/1', 'a/2']);
    assert.deepEqual(await ids("run_id = 'r1'", ['name ASC']), ['a/1', 'b/1']);
    assert.deepEqual(await ids("run_id IN ('r2')"), ['a/2']);
    assert.deepEqual(await ids("source_path = 's3://y/1'"), ['b/1']);
    assert.deepEqual(await ids("name = 'a' AND version_number > 1"), ['a/2']);
    assert.deepEqual(await ids("tags.stage = 'dev'"), ['a/1']);
    assert.deepEqual(await ids("source_path LIKE 's3://x/%'", ['version_number DESC']), ['a/2', 'a/1']);
    await assert.rejects(client.searchModelVersions({ filter: "current_stage = 'None'" }), InvalidFilterError);
    await client.close();
  });
});
