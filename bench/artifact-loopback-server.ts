/**
 * A loopback HTTP server implementing the MLflow endpoints one artifact round trip needs (create
 * and get a run, list artifacts, PUT and GET under the proxied artifact service), storing bytes on
 * disk and streaming both ways. The artifacts benchmark falls back to it when no MLflow venv is
 * available, and says so in its output.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const ART = '/api/2.0/mlflow-artifacts/artifacts/';

export async function startLoopbackArtifactServer(dir: string): Promise<{ uri: string; close: () => Promise<void> }> {
  const runId = 'b'.repeat(32);
  const run = { info: { run_id: runId, experiment_id: '0', status: 'RUNNING', artifact_uri: `mlflow-artifacts:/0/${runId}/artifacts` }, data: {} };
  const json = (res: import('node:http').ServerResponse, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const handle = async () => {
      if (url.pathname.endsWith('/runs/create') || url.pathname.endsWith('/runs/get')) return json(res, { run });
      if (url.pathname.endsWith('/artifacts/list')) {
        const path = url.searchParams.get('path') ?? '';
        const st = await stat(join(dir, '0', runId, 'artifacts', path)).catch(() => undefined);
        return json(res, { files: st?.isFile() ? [{ path, is_dir: false, file_size: st.size }] : [] });
      }
      if (url.pathname.startsWith(ART)) {
        const file = join(dir, ...decodeURIComponent(url.pathname.slice(ART.length)).split('/'));
        if (req.method === 'PUT') {
          await mkdir(dirname(file), { recursive: true });
          await pipeline(req, createWriteStream(file));
          return json(res, {});
        }
        const st = await stat(file);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': st.size });
        await pipeline(createReadStream(file), res);
        return;
      }
      for await (const _ of req);
      json(res, {});
    };
    handle().catch((err) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
