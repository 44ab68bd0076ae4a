/** Reading requests and writing responses: bounded JSON bodies, MLflow's error envelope. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, invalidParameter, toApiError } from './api-error.js';
import { debug } from '@runlog/core/internal';

/** The largest JSON request body the API reads (MLflow's requests are small). */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Reads the whole body, refusing more than `maxBytes` with 413. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    throw new ApiError(413, 'INVALID_PARAMETER_VALUE', `The request body is larger than ${maxBytes} bytes.`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      req.resume();
      throw new ApiError(413, 'INVALID_PARAMETER_VALUE', `The request body is larger than ${maxBytes} bytes.`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * A POST/PATCH/DELETE body as JSON, with MLflow's rules: POST and PUT need
 * `Content-Type: application/json`; an empty body is `{}`; anything but an object is refused.
 */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const bytes = await readBody(req, MAX_JSON_BODY_BYTES);
  if (bytes.length === 0 && req.method === 'DELETE') return {};
  if ((req.method === 'POST' || req.method === 'PUT') && type === '') {
    throw invalidParameter('Bad Request. Content-Type header is missing.');
  }
  if (type !== '' && type !== 'application/json') {
    throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
  }
  if (bytes.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidParameter('The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidParameter('The request body must be a JSON object.');
  }
  return parsed as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

/** Answers an error in MLflow's envelope; internal errors are logged (NODE_DEBUG=runlog), never sent. */
export function sendError(res: ServerResponse, err: unknown): void {
  const api = toApiError(err);
  if (api.status >= 500) debug('runlog ui: %s', (err as Error)?.stack ?? String(err));
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, api.status, { error_code: api.errorCode, message: api.message });
}
