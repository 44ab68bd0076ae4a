/**
 * HTTP to the MLflow server behind a ui server in server mode: one keep-alive undici Agent, the
 * credentials from the environment (MLFLOW_TRACKING_USERNAME/PASSWORD as Basic, else
 * MLFLOW_TRACKING_TOKEN as Bearer) added to every request, bounded connect/headers/body times.
 * Credentials are never copied into anything sent back: `scrub` removes them from any text of the
 * upstream's that is echoed.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Agent, type Dispatcher } from 'undici';
import { resolveAuth, resolveTls } from '@runlog/core/internal';
import { ApiError } from '../http/api-error.js';

export interface UpstreamOptions {
  connectTimeoutMs?: number;
  /** Headers and body, each (default 120 s, as MLflow's client). */
  timeoutMs?: number;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export class Upstream {
  readonly origin: string;
  readonly pathPrefix: string;
  private readonly agent: Agent;
  private readonly authorization: string | undefined;
  private readonly secrets: string[];
  private readonly timeoutMs: number;

  constructor(
    readonly baseUrl: string,
    env: Record<string, string | undefined>,
    opts: UpstreamOptions = {},
  ) {
    const url = new URL(baseUrl);
    this.origin = url.origin;
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    const auth = resolveAuth(env);
    const tls = resolveTls(env);
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.agent = new Agent({
      connections: 16,
      keepAliveTimeout: 10_000,
      connect: { timeout: opts.connectTimeoutMs ?? 5_000, rejectUnauthorized: !tls.insecure, ...(tls.caPem ? { ca: tls.caPem } : {}) },
    });
    this.secrets = [];
    if (auth?.kind === 'basic') {
      const encoded = Buffer.from(`${auth.username}:${auth.password}`).toString('base64');
      this.authorization = `Basic ${encoded}`;
      this.secrets.push(auth.password, encoded);
    } else if (auth?.kind === 'bearer') {
      this.authorization = `Bearer ${auth.token}`;
      this.secrets.push(auth.token);
    }
  }

  /** Removes the credentials from text that goes back to a client. */
  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length >= 4) out = out.split(s).join('***');
    return out;
  }

  /** One request; `path` starts with '/' and is appended to the server's path prefix. */
  async request(method: Dispatcher.HttpMethod, path: string, body?: string | Readable | Buffer, headers: IncomingHttpHeaders = {}): Promise<UpstreamResponse> {
    const sent: Record<string, string> = { 'user-agent': 'runlog-ui' };
    for (const name of ['content-type', 'content-length', 'accept', 'range']) {
      const v = headers[name];
      if (typeof v === 'string') sent[name] = v;
    }
    if (this.authorization) sent.authorization = this.authorization;
    try {
      const res = await this.agent.request({
        origin: this.origin,
        path: this.pathPrefix + path,
        method,
        headers: sent,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      const code = (err as { code?: string }).code ?? (err as Error).name;
      throw new ApiError(503, 'TEMPORARILY_UNAVAILABLE', `The MLflow server at ${this.origin} could not be reached (${code}).`);
    }
  }

  /** A JSON call; a non-2xx answer becomes an ApiError with MLflow's code (or one from the status). */
  async json(method: Dispatcher.HttpMethod, endpoint: string, opts: { query?: URLSearchParams; body?: unknown } = {}): Promise<any> {
    const qs = opts.query && [...opts.query].length > 0 ? `?${opts.query}` : '';
    const res = await this.request(
      method,
      `/api/2.0/mlflow/${endpoint}${qs}`,
      opts.body === undefined ? undefined : JSON.stringify(opts.body),
      opts.body === undefined ? {} : { 'content-type': 'application/json' },
    );
    const text = await res.body.text();
    if (res.status >= 200 && res.status < 300) {
      try {
        return text ? JSON.parse(text) : {};
      } catch {
        throw new ApiError(502, 'INTERNAL_ERROR', `The MLflow server at ${this.origin} answered ${endpoint} with a body that is not JSON.`);
      }
    }
    throw this.errorOf(res.status, text);
  }

  /** The ApiError for an upstream error answer (MLflow's envelope when it is one). */
  errorOf(status: number, text: string): ApiError {
    try {
      const parsed = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof parsed.error_code === 'string') return new ApiError(status, parsed.error_code, this.scrub(String(parsed.message ?? '')));
    } catch {
      // not JSON: a proxy's or an auth plugin's page
    }
    const code = status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status === 404 ? 'ENDPOINT_NOT_FOUND' : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
    const hint = status === 401 || status === 403 ? ' Check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD where runlog ui runs.' : '';
    return new ApiError(status, code, `The MLflow server at ${this.origin} answered HTTP ${status}: ${this.scrub(text.slice(0, 200).trim())}${hint}`);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
