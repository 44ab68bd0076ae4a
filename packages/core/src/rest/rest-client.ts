import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Agent, Dispatcher } from 'undici';
import type { Auth, TlsConfig } from '../config.js';
import { debug } from '../debug.js';
import { ClosedError, CredentialsRefusedError, MlflowServerError, NetworkError, NotFoundError, RetryableError, RunlogError } from '../errors.js';
import { classifyNetworkFailure, describeNetworkFailure, isConnectFailure, isPermanentNetworkFailure } from './network-failure.js';
import { DEFAULT_RETRY_POLICY, RETRYABLE_STATUSES, retryDelayMs, type RetryPolicy } from './retry-policy.js';
import { saveStreamAtomically } from './save-stream.js';
import { SecretScrubber } from './secret-scrubber.js';

export interface RestClientOptions {
  /** Tracking server base URL, without trailing slash (may carry a path prefix). */
  baseUrl: string;
  auth?: Auth | undefined;
  tls?: TlsConfig | undefined;
  /** Inject an undici dispatcher (tests, custom proxies). Default: a keep-alive Agent. */
  dispatcher?: Dispatcher | undefined;
  /** Per-attempt timeout for headers and body. Default 120 s, as MLflow. */
  timeoutMs?: number | undefined;
  /**
   * How long establishing a connection (TCP and TLS) may take. Default 2 s: a server that does not
   * accept a connection by then is taken as away, not slow. RUNLOG_CONNECT_TIMEOUT_MS.
   */
  connectTimeoutMs?: number | undefined;
  retry?: RetryPolicy | undefined;
  userAgent?: string | undefined;
  /** Waits between retries; injectable so tests need no real sleeping. */
  sleep?: ((ms: number) => Promise<void>) | undefined;
}

export interface RequestOptions {
  /** Query parameters for GET; arrays become repeated keys. */
  query?: Record<string, string | number | boolean | string[] | undefined> | undefined;
  /** JSON body for POST/PATCH/DELETE. */
  body?: unknown;
  /** Raw body (small artifact writes). */
  rawBody?: Uint8Array | undefined;
  /** Streams the body from this local file (artifact uploads); opened afresh for each attempt. */
  bodyFile?: string | undefined;
  /**
   * Streams a 2xx response body into this file (artifact downloads) through a temp file renamed
   * into place, and resolves undefined. Memory stays flat whatever the size.
   */
  saveTo?: string | undefined;
  contentType?: string | undefined;
  /** Override the client's retry policy for this call (the uploader retries on its own). */
  retry?: RetryPolicy | undefined;
  /** Resolve the raw bytes instead of parsing JSON. */
  raw?: boolean | undefined;
  /** Per-attempt timeout for this call, overriding the client's. */
  timeoutMs?: number | undefined;
}

/**
 * undici, loaded by the first request of a client rather than when runlog is imported: a process
 * that only uses a local store (a training script logging to ./mlruns, the CLI on one) never talks
 * HTTP, and loading undici is about a quarter of the CPU time of `import 'runlog'`. A dynamic
 * import() with a literal specifier, so that bundlers still see and include the dependency.
 */
let undici: Promise<typeof import('undici')> | undefined;
function loadUndici(): Promise<typeof import('undici')> {
  return (undici ??= import('undici'));
}

/** The default connect timeout (RestClientOptions.connectTimeoutMs). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 2000;

/**
 * Foreground calls retry a failure to connect once, not seven times: a server that refused or did
 * not accept a connection twice is away, and the caller (a CLI read, a script) is told within
 * seconds instead of minutes. Failures after a connection (5xx, 429, resets) keep the full policy.
 */
function connectRetriesLeft(err: RetryableError): number {
  const u = err.underlying;
  return u instanceof NetworkError && isConnectFailure(u.reason) ? 1 : Infinity;
}

/**
 * Foreground waits are referenced timers: a caller awaiting startRun() or getRun() through a retry
 * must keep the process alive, or Node would exit in the middle of the await. (The background
 * uploader's waits are unref'd instead; see BatchUploader.)
 */
const refSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * JSON over HTTP to an MLflow tracking server (undici, keep-alive pool). Maps MLflow's error
 * envelope to typed errors, retries 408/429/5xx and network errors with backoff and jitter while
 * honouring Retry-After. Never puts credentials in messages.
 */
export class RestClient {
  readonly baseUrl: string;
  readonly origin: string;
  readonly pathPrefix: string;
  /** Removes the configured credentials from server text before it reaches a message or a log. */
  readonly scrubber: SecretScrubber;
  /** The injected dispatcher, or once the first request has made it, the client's own Agent. */
  private readonly dispatcher: Dispatcher | undefined;
  private ownAgent: Promise<Dispatcher> | undefined;
  private agentClosed: Promise<void> | undefined;
  private closed = false;
  private readonly agentOptions: Agent.Options;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: RestClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    const url = new URL(this.baseUrl);
    this.origin = url.origin;
    this.pathPrefix = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.retry = opts.retry ?? DEFAULT_RETRY_POLICY;
    this.sleep = opts.sleep ?? refSleep;
    this.dispatcher = opts.dispatcher;
    this.agentOptions = {
      connections: 16,
      keepAliveTimeout: 10_000,
      connect: {
        timeout: this.connectTimeoutMs,
        ...(opts.tls ? { rejectUnauthorized: !opts.tls.insecure, ...(opts.tls.caPem ? { ca: opts.tls.caPem } : {}) } : {}),
      },
    };
    this.scrubber = SecretScrubber.forAuth(opts.auth);
    this.headers = { 'user-agent': opts.userAgent ?? 'runlog' };
    if (opts.auth?.kind === 'basic') {
      this.headers.authorization =
        'Basic ' + Buffer.from(`${opts.auth.username}:${opts.auth.password}`).toString('base64');
    } else if (opts.auth?.kind === 'bearer') {
      this.headers.authorization = `Bearer ${opts.auth.token}`;
    }
  }

  /** Calls `/api/2.0/mlflow/<endpoint>` (or any path starting with '/api/'). */
  async call<T = any>(method: Dispatcher.HttpMethod, endpoint: string, opts: RequestOptions = {}): Promise<T> {
    const policy = opts.retry ?? this.retry;
    for (let attempt = 0; ; attempt++) {
      try {
        return (await this.once(method, endpoint, opts)) as T;
      } catch (err) {
        if (!(err instanceof RetryableError) || attempt >= Math.min(policy.maxRetries, connectRetriesLeft(err))) {
          throw err instanceof RetryableError ? err.underlying : err;
        }
        const wait = retryDelayMs(policy, attempt + 1, err.retryAfter);
        debug('retrying %s %s in %d ms after: %s', method, endpoint, Math.round(wait), err.message);
        await this.sleep(wait);
      }
    }
  }

  /** One attempt. Rejects with RetryableError for outcomes worth retrying. */
  async once(method: Dispatcher.HttpMethod, endpoint: string, opts: RequestOptions = {}): Promise<unknown> {
    const path = this.pathFor(endpoint) + queryString(opts.query);
    // after close() a request is refused at once, not sent (and retried) through a closed Agent
    if (this.closed) throw new ClosedError();
    const dispatcher = this.dispatcher ?? (await this.agent());
    const headers: Record<string, string> = { ...this.headers };
    let body: string | Uint8Array | Readable | undefined;
    if (opts.rawBody) {
      body = opts.rawBody;
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
    } else if (opts.bodyFile !== undefined) {
      // A declared length, not chunked encoding: MLflow's server and proxies expect one for a PUT.
      headers['content-length'] = String((await stat(opts.bodyFile)).size);
      headers['content-type'] = opts.contentType ?? 'application/octet-stream';
      body = createReadStream(opts.bodyFile);
    } else if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await dispatcher.request({
        origin: this.origin,
        path,
        method,
        headers,
        body,
        headersTimeout: opts.timeoutMs ?? this.timeoutMs,
        bodyTimeout: opts.timeoutMs ?? this.timeoutMs,
      });
    } catch (err) {
      if (body && typeof body === 'object' && 'destroy' in body) body.destroy();
      const reason = classifyNetworkFailure(err);
      const message = describeNetworkFailure(reason, err, {
        origin: this.origin,
        request: `${method} ${endpoint}`,
        connectTimeoutMs: this.connectTimeoutMs,
        timeoutMs: opts.timeoutMs ?? this.timeoutMs,
      });
      const netErr = new NetworkError(message, { cause: err, reason });
      // A TLS mismatch or an untrusted certificate stays so: retrying would only hide it.
      if (isPermanentNetworkFailure(reason)) throw netErr;
      throw new RetryableError(netErr.message, null, netErr);
    }
    if (opts.saveTo !== undefined && res.statusCode >= 200 && res.statusCode < 300) {
      const failed = await saveStreamAtomically(res.body, opts.saveTo);
      if (!failed) return undefined;
      if (failed.side === 'disk') throw failed.error;
      const cause = failed.error as Error & { code?: string };
      const netErr = new NetworkError(
        `The response of the MLflow server at ${this.origin} to ${method} ${endpoint} broke off: ${cause.code ?? cause.message}`,
        { cause },
      );
      throw new RetryableError(netErr.message, null, netErr);
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await res.body.arrayBuffer());
    } catch (err) {
      // A reset or timeout mid-body is a failed attempt, never an empty answer.
      const cause = err as Error & { code?: string };
      const netErr = new NetworkError(
        `The response of the MLflow server at ${this.origin} to ${method} ${endpoint} broke off: ${cause.code ?? cause.message}`,
        { cause },
      );
      throw new RetryableError(netErr.message, null, netErr);
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      if (opts.raw) return bytes;
      if (bytes.length === 0) return {};
      const text = Buffer.from(bytes).toString('utf8');
      try {
        return JSON.parse(text);
      } catch {
        throw new MlflowServerError(res.statusCode, 'INVALID_RESPONSE', `Non-JSON response to ${method} ${endpoint}`);
      }
    }
    const error = toServerError(res.statusCode, Buffer.from(bytes).toString('utf8'), method, endpoint, this.scrubber);
    if (RETRYABLE_STATUSES.has(res.statusCode)) {
      const retryAfter = res.headers['retry-after'];
      throw new RetryableError(error.message, Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null), error);
    }
    throw error;
  }

  /** Absolute path on the server for an endpoint: `runs/create` → `/prefix/api/2.0/mlflow/runs/create`. */
  pathFor(endpoint: string): string {
    if (endpoint.startsWith('/')) return this.pathPrefix + endpoint;
    return `${this.pathPrefix}/api/2.0/mlflow/${endpoint}`;
  }

  /** The client's own keep-alive Agent, made by the first request that needs it. */
  private agent(): Promise<Dispatcher> {
    return (this.ownAgent ??= loadUndici().then(({ Agent }) => new Agent(this.agentOptions)));
  }

  /**
   * Closes the client's own Agent, if a request made one (an injected dispatcher belongs to the
   * caller). Idempotent: a second call waits for the first.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.ownAgent) return;
    const agent = this.ownAgent;
    await (this.agentClosed ??= agent.then(
      (a) => a.close(),
      () => undefined, // undici never loaded: no Agent to close
    ));
  }
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) params.append(k, item);
    else params.append(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/**
 * Maps MLflow's `{error_code, message}` envelope (or a plain-text proxy/auth body) to a typed error.
 * The body is scrubbed of credentials before it is cut or parsed (so no partial secret survives a
 * cut) and the parsed fields again after (JSON escapes may spell a secret differently).
 */
export function toServerError(
  status: number,
  rawText: string,
  method: string,
  endpoint: string,
  scrubber: SecretScrubber = SecretScrubber.forAuth(undefined),
): RunlogError {
  const text = scrubber.scrub(rawText);
  let errorCode = status === 404 ? 'ENDPOINT_NOT_FOUND' : status === 401 ? 'UNAUTHENTICATED' : status === 403 ? 'PERMISSION_DENIED' : status >= 500 ? 'INTERNAL_ERROR' : 'BAD_REQUEST';
  let message = text.trim().slice(0, 500) || `HTTP ${status}`;
  try {
    const json = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    if (typeof json.error_code === 'string') errorCode = scrubber.scrub(json.error_code);
    if (typeof json.message === 'string') message = scrubber.scrub(json.message);
  } catch {
    // Plain-text bodies come from auth plugins and proxies; keep the text.
  }
  if (status === 401 || status === 403) {
    const what = status === 401 ? 'refused the credentials' : 'refused access with these credentials';
    return new CredentialsRefusedError(status, errorCode, `Credentials refused: the server ${what} (${method} ${endpoint}, HTTP ${status}): ${message}`);
  }
  if (errorCode === 'RESOURCE_DOES_NOT_EXIST' || errorCode === 'NOT_FOUND') {
    return new NotFoundError(`${message} (${method} ${endpoint})`, { cause: new MlflowServerError(status, errorCode, message) });
  }
  return new MlflowServerError(status, errorCode, `${message} (${method} ${endpoint}, HTTP ${status})`);
}
