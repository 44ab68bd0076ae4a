import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { InvalidArgumentError } from '@runlog/core';
import { loadModel, type LoadedModel, type LoadModelOptions } from '@runlog/models';
import type { BatchingOptions } from './dynamic-batcher.js';
import { ScoringServer, type ServeStats } from './scoring-server.js';
import { describeServedModel } from './served-model.js';

/** Options of serveModel() (the CLI's `runlog serve` flags map to these). */
export interface ServeOptions {
  /** Interface to bind. Default 127.0.0.1 (loopback only); '0.0.0.0' or '::' to expose it. */
  host?: string;
  /** Default 5000, MLflow's. 0 picks a free port (see `handle.port`). */
  port?: number;
  /** Largest request body in bytes; a larger one is answered 413. Default 32 MiB. */
  maxBodyBytes?: number;
  /**
   * A request not answered this long after its body arrived is answered 504. Default: MLflow's
   * MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT (seconds) if set, else 60 s.
   */
  timeoutMs?: number;
  /**
   * A request whose body has not fully arrived this long after the request did is answered 408
   * and its connection closed. Default 30 s.
   */
  bodyTimeoutMs?: number;
  /**
   * Dynamic batching of concurrent requests into one model call (default on: maxBatchSize 64
   * rows, maxWaitMs 0). `false` switches it off.
   */
  batching?: BatchingOptions | false;
  /** How `modelUri` is loaded (tracking client for runs:/ and models:/ URIs, flavor, ...). */
  loadOptions?: LoadModelOptions;
  /**
   * Requests held at once past their body (parsed, queued or at the model); more are answered 503
   * with Retry-After at once, so overload costs the overflow, not the process. Requests still
   * receiving their body do not count (bodyTimeoutMs and maxBufferedBytes bound them), so slow
   * clients cannot lock the others out. Default 256.
   */
  maxConcurrentRequests?: number;
  /** Request body bytes held at once across requests; past it, 503. Default 256 MiB. */
  maxBufferedBytes?: number;
}

/** A running scoring server. */
export interface ServeHandle {
  /** e.g. `http://127.0.0.1:5000`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly model: LoadedModel;
  stats(): ServeStats;
  /**
   * Graceful stop: no new connections, requests in flight are answered, connections are closed,
   * then the model is disposed if serveModel loaded it. Idempotent.
   */
  close(): Promise<void>;
}

export const DEFAULT_PORT = 5000;
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_BODY_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CONCURRENT_REQUESTS = 256;
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

/** MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT (seconds) as milliseconds, else 60 s. */
export function defaultTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT;
  const seconds = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_TIMEOUT_MS;
}

function positive(name: string, v: number | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  if (!Number.isFinite(v) || v <= 0) throw new InvalidArgumentError(`serveModel: ${name} must be a positive number, got ${v}.`);
  return v;
}

/**
 * Serves an MLflow Model over MLflow's scoring protocol (POST /invocations, GET /ping, /health,
 * /version). `model` is any URI loadModel accepts (a path, file:, runs:/, models:/,
 * mlflow-artifacts:) or a model loaded already (which close() then leaves to the caller).
 */
export async function serveModel(model: string | LoadedModel, opts: ServeOptions = {}): Promise<ServeHandle> {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError(`serveModel: port must be an integer 0-65535, got ${port}.`);
  const maxBodyBytes = positive('maxBodyBytes', opts.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const timeoutMs = positive('timeoutMs', opts.timeoutMs, defaultTimeoutMs());
  const bodyTimeoutMs = positive('bodyTimeoutMs', opts.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS);
  const maxConcurrentRequests = positive('maxConcurrentRequests', opts.maxConcurrentRequests, DEFAULT_MAX_CONCURRENT_REQUESTS);
  const maxBufferedBytes = positive('maxBufferedBytes', opts.maxBufferedBytes, DEFAULT_MAX_BUFFERED_BYTES);
  if (opts.batching) {
    const b = opts.batching;
    if (b.maxBatchSize !== undefined) positive('batching.maxBatchSize', b.maxBatchSize, 1);
    if (b.maxWaitMs !== undefined && !(b.maxWaitMs >= 0)) throw new InvalidArgumentError(`serveModel: batching.maxWaitMs must be >= 0, got ${b.maxWaitMs}.`);
  }
  const owned = typeof model === 'string';
  const loaded = typeof model === 'string' ? await loadModel(model, opts.loadOptions) : model;
  let server: ScoringServer;
  try {
    server = new ScoringServer(describeServedModel(loaded), {
      maxBodyBytes,
      timeoutMs,
      bodyTimeoutMs,
      batching: opts.batching ?? {},
      maxConcurrentRequests,
      maxBufferedBytes,
    });
    server.http.listen(port, host);
    await Promise.race([once(server.http, 'listening'), once(server.http, 'error').then(([err]) => Promise.reject(err as Error))]);
  } catch (err) {
    if (owned) await loaded.dispose();
    throw err;
  }
  const address = server.http.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    model: loaded,
    stats: () => server.stats(),
    close() {
      closed ??= server.close().then(() => (owned ? loaded.dispose() : undefined));
      return closed;
    },
  };
}
