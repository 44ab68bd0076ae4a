import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { MlflowServerError } from '../src/errors.js';
import { RestStore } from '../src/rest/rest-store.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

// Issue 10, "Broken or hostile peers": downloads driven by a server's listings must end, and
// artifact bytes are streamed both ways, never held whole and never left half-written.

const RUN = '0123456789abcdef0123456789abcdef';
const ART = `/api/2.0/mlflow-artifacts/artifacts/0/${RUN}/artifacts`;
const NO_RETRY = { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0, jitterMs: 0 };

function runJson() {
  return { run: { info: { run_id: RUN, experiment_id: '0', artifact_uri: `mlflow-artifacts:/0/${RUN}/artifacts` }, data: {} } };
}

function listQuery(path: string): string {
  return new URL(path, 'http://x').searchParams.get('path') ?? '';
}

describe('artifact downloads from hostile listings and streamed transfers (issue 10)', () => {
  const server = new RecordingServer();
  let dir: string;
  let store: RestStore;
  before(() => server.start());
  after(() => server.stop());
  beforeEach(async () => {
    server.requests.length = 0;
    dir = await mkdtemp(join(tmpdir(), 'runlog-artifacts-'));
    store = new RestStore({ baseUrl: server.url, retry: NO_RETRY });
  });

  /** The listing handler under test; runs/get and file GETs are answered for every case. */
  function serve(list: (path: string, pageToken: string | null) => unknown, file: (path: string) => Buffer | undefined = () => Buffer.from('x')) {
    server.responder = (req, res) => {
      if (req.path.startsWith('/api/2.0/mlflow/runs/get')) return sendJson(res, 200, runJson());
      if (req.path.startsWith('/api/2.0/mlflow/artifacts/list')) {
        const url = new URL(req.path, 'http://x');
        return sendJson(res, 200, list(url.searchParams.get('path') ?? '', url.searchParams.get('page_token')));
      }
      if (req.path.startsWith('/api/2.0/mlflow-artifacts/artifacts?')) return sendJson(res, 200, list(listQuery(req.path), null));
      if (req.method === 'GET' && req.path.startsWith(ART)) {
        const bytes = file(decodeURIComponent(req.path.slice(ART.length + 1)));
        if (!bytes) return sendJson(res, 404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no such file' });
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.end(bytes);
        return 'handled';
      }
      return undefined;
    };
  }

  async function refused(p: Promise<unknown>, pattern: RegExp): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof MlflowServerError, String(e));
      assert.equal(e.errorCode, 'INVALID_RESPONSE');
      assert.match(e.message, pattern);
      return true;
    });
    assert.ok(server.requests.length < 20, `the walk stopped early (${server.requests.length} requests)`);
  }

  it('refuses a root listing that lists "" as a directory', async () => {
    serve(() => ({ files: [{ path: '', is_dir: true }] }));
    await refused(store.downloadArtifacts(RUN, '', dir), /not strictly below/);
  });

  it('refuses a directory that lists itself among its children', async () => {
    serve((path) => (path === 'd' ? { files: [{ path: 'd', is_dir: true }, { path: 'd/f', is_dir: false }] } : { files: [{ path: 'd', is_dir: true }] }));
    await refused(store.downloadArtifacts(RUN, '', dir), /not strictly below/);
  });

  it('refuses entries outside the listed directory and paths with ..', async () => {
    serve((path) => (path === 'd' ? { files: [{ path: 'e/f', is_dir: false }, { path: 'd/g', is_dir: false }] } : { files: [] }));
    await refused(store.downloadArtifacts(RUN, 'd', dir), /not strictly below/);
    serve(() => ({ files: [{ path: '../../etc/x', is_dir: false }] }));
    await refused(store.downloadArtifacts(RUN, '', dir), /invalid artifact path/);
  });

  it('caps the depth of an endless chain of directories', async () => {
    serve((path) => ({ files: [{ path: path ? `${path}/a` : 'a', is_dir: true }] }));
    store.artifactWalkLimits = { maxDepth: 8, maxEntries: 1000 };
    await refused(store.downloadArtifacts(RUN, '', dir), /more than 8 directories deep/);
  });

  it('caps the total number of entries of a fanning-out listing', async () => {
    serve((path) => ({ files: Array.from({ length: 6 }, (_, i) => ({ path: path ? `${path}/d${i}` : `d${i}`, is_dir: true })) }));
    store.artifactWalkLimits = { maxDepth: 64, maxEntries: 50 };
    await refused(store.downloadArtifacts(RUN, '', dir), /more than 50 entries/);
  });

  it('stops a listing that hands back the same page token', async () => {
    serve(() => ({ files: [{ path: 'f', is_dir: false }], next_page_token: 'again' }));
    await refused(store.listArtifacts(RUN, ''), /pages without end/);
  });

  it('refuses "" and "." in the artifact service listing of a logged model', async () => {
    for (const bad of ['', '.']) {
      server.requests.length = 0;
      serve(() => ({ files: [{ path: bad, is_dir: true }] }));
      await refused(store.downloadFromArtifactUri(`mlflow-artifacts:/0/${RUN}/artifacts`, '', dir), /not strictly below/);
    }
  });

  it('still downloads a well-formed tree', async () => {
    const tree: Record<string, unknown> = {
      '': { files: [{ path: 'a.txt', is_dir: false }, { path: 'sub', is_dir: true }] },
      sub: { files: [{ path: 'sub/b.bin', is_dir: false }] },
    };
    serve((path) => tree[path] ?? { files: [] }, (path) => Buffer.from(`bytes of ${path}`));
    await store.downloadArtifacts(RUN, '', dir);
    assert.equal(await readFile(join(dir, 'a.txt'), 'utf8'), 'bytes of a.txt');
    assert.equal(await readFile(join(dir, 'sub/b.bin'), 'utf8'), 'bytes of sub/b.bin');
  });

  it('a download that breaks off leaves no file and no temp file behind', async () => {
    server.responder = (req, res) => {
      if (req.path.startsWith('/api/2.0/mlflow/runs/get')) return sendJson(res, 200, runJson());
      if (req.path.startsWith('/api/2.0/mlflow/artifacts/list')) return sendJson(res, 200, { files: [{ path: 'big.bin', is_dir: false }] });
      res.writeHead(200, { 'content-length': String(1 << 20) });
      res.write(randomBytes(1000));
      setTimeout(() => res.socket?.destroy(), 20);
      return 'handled';
    };
    await assert.rejects(store.downloadArtifacts(RUN, '', dir), /broke off/);
    assert.deepEqual(await readdir(dir), []);
  });

  it('a download that cannot be written to disk fails at once, without retrying the server', async () => {
    serve(() => ({ files: [{ path: 'f.bin', is_dir: false }] }));
    const waits: number[] = [];
    const retrying = new RestStore({ baseUrl: server.url, retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 1, jitterMs: 0 }, sleep: async (ms) => void waits.push(ms) });
    const notADir = join(dir, 'plain-file');
    await writeFile(notADir, 'x');
    await assert.rejects(retrying.downloadArtifacts(RUN, '', notADir), (e: unknown) => /ENOTDIR|EEXIST/.test(String((e as NodeJS.ErrnoException).code)));
    assert.deepEqual(waits, []);
    await retrying.close();
  });

  it('uploads stream the file with its length declared, byte for byte', async () => {
    serve(() => ({ files: [] }));
    const src = join(dir, 'model.bin');
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    await writeFile(src, bytes);
    await store.logArtifact(RUN, src, 'weights');
    const put = server.requests.find((r) => r.method === 'PUT')!;
    assert.equal(put.path, `${ART}/weights/model.bin`);
    assert.equal(put.headers['content-length'], String(bytes.length));
    assert.ok(put.raw.equals(bytes));
    await rm(src);
  });
});
