/**
 * Shared helpers of the @runlog/serve tests: real ONNX MLflow Models saved from the repository's
 * fixtures with the onnx flavor, and small HTTP clients.
 */
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import '@runlog/onnx'; // registers the onnx flavor
import { saveModel, type ModelSignature } from '@runlog/models';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/', import.meta.url));
export const LINEAR_ONNX = join(FIXTURES, 'onnx-linear.onnx');
export const TWO_INPUT_ONNX = join(FIXTURES, 'onnx-two-input.onnx');
export const COLUMNS_ONNX = fileURLToPath(new URL('./fixtures/onnx-columns.onnx', import.meta.url));

/** The column signature the columns model is served with: u float, k long → w = 2u + k, d = 2k. */
export const COLUMNS_SIGNATURE: ModelSignature = {
  inputs: {
    kind: 'column',
    inputs: [
      { type: 'float', name: 'u', required: true },
      { type: 'long', name: 'k', required: true },
    ],
  },
  outputs: {
    kind: 'tensor',
    inputs: [
      { type: 'tensor', name: 'w', tensorSpec: { dtype: 'float32', shape: [-1] } },
      { type: 'tensor', name: 'd', tensorSpec: { dtype: 'int64', shape: [-1] } },
    ],
  },
};

export async function tempDir(prefix = 'runlog-serve-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Saves an ONNX fixture as an MLflow Model in a fresh temp dir and returns the dir. */
export async function savedModel(onnxPath: string, signature?: ModelSignature): Promise<string> {
  const dir = join(await tempDir(), 'model');
  await saveModel(onnxPath, dir, { flavor: 'onnx', signature });
  return dir;
}

export interface Reply {
  status: number;
  contentType: string | undefined;
  text: string;
  json: any;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * One request on its own connection (no keep-alive pool, so a test leaves nothing open).
 * `body` may be sent in `chunks` (no Content-Length: chunked transfer encoding).
 */
export function send(
  url: string,
  opts: { method?: string; path?: string; body?: string | Buffer; chunks?: Array<string | Buffer>; contentType?: string | null } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.contentType !== null) headers['content-type'] = opts.contentType ?? 'application/json';
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = request(`${url}${opts.path ?? '/invocations'}`, { method: opts.method ?? 'POST', headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode!, contentType: res.headers['content-type'], text, json, headers: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (opts.chunks) {
      for (const c of opts.chunks) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

/** POST /invocations with a JSON body. */
export function invoke(url: string, body: unknown, contentType = 'application/json'): Promise<Reply> {
  return send(url, { body: typeof body === 'string' ? body : JSON.stringify(body), contentType });
}
