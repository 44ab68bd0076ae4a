import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isUtf8 } from 'node:buffer';
import type { Socket } from 'node:net';
import { debuglog } from 'node:util';
import { InvalidArgumentError, SchemaMismatchError } from '@runlog/core';
import { MLFLOW_FORMAT_VERSION, tensorToNested } from '@runlog/models/internal';
import { parseContentType, type BodyFormat } from './content-type.js';
import { parseCsvBody } from './csv-input.js';
import { DynamicBatcher, type BatchingOptions, type BatchTicket, type Tensors } from './dynamic-batcher.js';
import { predictionsJson } from './predictions-json.js';
import { parseJsonBody, type ParsedRequest } from './request-input.js';
import { ScoringError, badRequest } from './scoring-error.js';
import type { ServedModel } from './served-model.js';
import { commonRows, rowShapeKey } from './tensor-rows.js';

const log = debuglog('runlog');

export interface ScoringServerOptions {
  /** Largest request body; a larger one is answered 413 and not read further. */
  maxBodyBytes: number;
  /** Time from the end of a request's body to its answer (parsing, queue, model) before it is answered 504. */
  timeoutMs: number;
  /**
   * Time from a request's arrival to the last byte of its body; a slower body is answered 408 and
   * its connection closed. Kept apart from timeoutMs so a slow client costs its own deadline only.
   */
  bodyTimeoutMs: number;
  /** Dynamic batching; false sends every request to the model on its own. */
  batching: BatchingOptions | false;
  /**
   * Requests held at once past their body (parsing, queued, at the model); more are answered 503.
   * Requests still receiving their body do not count: they are bounded by bodyTimeoutMs and
   * maxBufferedBytes instead, so slow clients cannot lock out the others.
   */
  maxConcurrentRequests: number;
  /** Request body bytes held at once across requests; a request past it is answered 503. */
  maxBufferedBytes: number;
}

/** Counters of a running server (ServeHandle.stats()). */
export interface ServeStats {
  /** POST /invocations requests received. */
  requests: number;
  /** Of those, answered with an error status. */
  errors: number;
  /** Of those, answered 503 because the server held as many requests or bytes as it may. */
  rejected: number;
  /** Model calls made (a merged batch is one call). */
  modelCalls: number;
  /** Model calls that served two or more requests, and how many requests they served. */
  mergedCalls: number;
  mergedRequests: number;
  /** Largest number of rows in one model call. */
  maxBatchRows: number;
  /** Requests waiting for the model right now. */
  queued: number;
  /** Requests received and not yet answered. */
  inflight: number;
  /** Of those, still receiving their body. */
  reading: number;
  /** Requests answered 408 because their body came too slowly (bodyTimeoutMs). */
  bodyTimeouts: number;
}

const UNEXPECTED_MODEL_ERROR =
  'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference.';

/** One /invocations request between arrival and answer. */
interface Exchange {
  res: ServerResponse;
  done: boolean;
  timer: NodeJS.Timeout | undefined;
  ticket: BatchTicket | undefined;
  /** Body bytes this request holds (counted against maxBufferedBytes until it is answered). */
  bytes: number;
  /** Still receiving its body (not counted against maxConcurrentRequests). */
  reading: boolean;
}

/**
 * MLflow's scoring protocol over node:http: POST /invocations, GET /ping, /health, /version.
 * See the package README section for the exact behaviour; MLflow's source of truth is
 * mlflow/pyfunc/scoring_server/__init__.py.
 */
export class ScoringServer {
  readonly http: Server;
  private readonly batcher: DynamicBatcher | undefined;
  private closing = false;
  private closed: Promise<void> | undefined;
  private readonly counters = { requests: 0, errors: 0, modelCalls: 0, inflight: 0, rejected: 0, reading: 0, bodyTimeouts: 0 };
  private bufferedBytes = 0;
  /** Open connections, with how many requests each has in progress (for a prompt shutdown). */
  private readonly sockets = new Map<Socket, number>();
  private readonly runModel: (inputs: Tensors, params: Record<string, unknown> | undefined) => Promise<Tensors>;

  constructor(
    private readonly served: ServedModel,
    private readonly opts: ScoringServerOptions,
  ) {
    const { model } = served;
    this.runModel =
      served.kind === 'column'
        ? (inputs, params) => {
            this.counters.modelCalls++;
            const columns: Record<string, unknown> = {};
            for (const k in inputs) columns[k] = tensorToNested(inputs[k]!);
            return model.predictTensors(columns, params);
          }
        : (inputs, params) => {
            this.counters.modelCalls++;
            return model.predictTensors(inputs, params);
          };
    if (opts.batching !== false && served.batchable && (opts.batching.maxBatchSize ?? 2) > 1) {
      this.batcher = new DynamicBatcher(this.runModel, opts.batching);
    }
    this.http = createServer((req, res) => {
      const socket = req.socket;
      this.sockets.set(socket, (this.sockets.get(socket) ?? 0) + 1);
      res.once('close', () => {
        const left = (this.sockets.get(socket) ?? 1) - 1;
        this.sockets.set(socket, left);
        // Shutting down: a connection whose last request is answered goes now, not at its keep-alive end.
        if (this.closing && left === 0) socket.end();
      });
      this.onRequest(req, res);
    });
    this.http.on('connection', (socket: Socket) => {
      this.sockets.set(socket, 0);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  stats(): ServeStats {
    const b = this.batcher?.stats();
    return {
      requests: this.counters.requests,
      errors: this.counters.errors,
      modelCalls: this.counters.modelCalls,
      mergedCalls: b?.mergedCalls ?? 0,
      mergedRequests: b?.mergedRequests ?? 0,
      maxBatchRows: b?.maxRows ?? 0,
      queued: this.batcher?.pending ?? 0,
      inflight: this.counters.inflight,
      reading: this.counters.reading,
      bodyTimeouts: this.counters.bodyTimeouts,
      rejected: this.counters.rejected,
    };
  }

  /**
   * Stops accepting connections, lets the requests in flight finish (each is answered within
   * timeoutMs), closes every connection, and resolves. Idempotent.
   */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.closing = true;
      this.batcher?.drain();
      if (!this.http.listening) return resolve();
      // Requests past their deadlines are answered 408 or 504, so after both nothing legitimate is left.
      const deadline = setTimeout(() => this.http.closeAllConnections(), this.opts.bodyTimeoutMs + this.opts.timeoutMs + 1000);
      this.http.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      // Connections with no request in progress go now, including ones that never sent a request
      // (a preconnect, a slow client), which closeIdleConnections() leaves open.
      for (const [socket, active] of this.sockets) if (active === 0) socket.end();
      this.http.closeIdleConnections();
    });
    return this.closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.closing) res.shouldKeepAlive = false;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    if (path === '/invocations') {
      if (method === 'POST') return this.invocations(req, res);
      return this.plain(res, 405, new ScoringError(405, 'BAD_REQUEST', `Method ${method} is not allowed on /invocations; use POST.`).toJson(), { Allow: 'POST' });
    }
    if (path === '/ping' || path === '/health' || path === '/version') {
      if (method !== 'GET' && method !== 'HEAD') {
        return this.plain(res, 405, new ScoringError(405, 'BAD_REQUEST', `Method ${method} is not allowed on ${path}; use GET.`).toJson(), { Allow: 'GET, HEAD' });
      }
      return this.plain(res, 200, path === '/version' ? MLFLOW_FORMAT_VERSION : '\n');
    }
    this.plain(res, 404, new ScoringError(404, 'ENDPOINT_NOT_FOUND', `No endpoint ${path}: the scoring server answers POST /invocations and GET /ping, /health, /version.`).toJson());
  }

  private plain(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
    res.end(body);
  }

  /** Requests past their body and not yet answered: what maxConcurrentRequests bounds. */
  private get processing(): number {
    return this.counters.inflight - this.counters.reading;
  }

  private invocations(req: IncomingMessage, res: ServerResponse): void {
    this.counters.requests++;
    // Refused before reading when the model side is full already: its body would only wait.
    if (this.processing >= this.opts.maxConcurrentRequests) return this.overloaded(res, 'requests', req);
    this.counters.inflight++;
    this.counters.reading++;
    const ex: Exchange = { res, done: false, timer: undefined, ticket: undefined, bytes: 0, reading: true };
    // A client that goes away stops its request: it leaves the batch queue and frees its memory.
    res.once('close', () => {
      if (!ex.done) this.finish(ex);
    });
    let format: BodyFormat;
    try {
      format = parseContentType(req.headers['content-type']);
    } catch (err) {
      return this.fail(ex, err);
    }
    const max = this.opts.maxBodyBytes;
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > max) return this.tooLarge(ex, req);
    ex.timer = setTimeout(() => this.bodyTimeout(ex, req), this.opts.bodyTimeoutMs);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (ex.done) return;
      size += chunk.length;
      if (size > max) return this.tooLarge(ex, req);
      ex.bytes += chunk.length;
      this.bufferedBytes += chunk.length;
      if (this.bufferedBytes > this.opts.maxBufferedBytes) {
        req.pause();
        const e = new ScoringError(503, 'TEMPORARILY_UNAVAILABLE', `The server holds too much request data (maxBufferedBytes ${this.opts.maxBufferedBytes}); retry later.`);
        return this.respond(ex, 503, e.toJson(), true);
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (ex.done) return;
      this.bodyRead(ex);
      if (this.processing > this.opts.maxConcurrentRequests) {
        this.counters.rejected++;
        const e = new ScoringError(503, 'TEMPORARILY_UNAVAILABLE', `The server is at its limit of ${this.opts.maxConcurrentRequests} concurrent requests (maxConcurrentRequests); retry later.`);
        return this.respond(ex, 503, e.toJson(), false, { 'Retry-After': '1' });
      }
      // The model deadline starts now: the time the client took to send is not the model's.
      if (ex.timer) clearTimeout(ex.timer);
      ex.timer = setTimeout(() => this.timeout(ex, req), this.opts.timeoutMs);
      this.score(ex, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size), format);
    });
    req.on('error', (err) => {
      log('serve: request stream error: %s', err.message);
      this.finish(ex);
    });
  }

  private score(ex: Exchange, body: Buffer, format: BodyFormat): void {
    let parsed: ParsedRequest;
    try {
      if (!isUtf8(body)) throw badRequest('Invalid input. Ensure that input is a valid UTF-8 encoded string.');
      const text = body.toString('utf8');
      parsed = format === 'json' ? parseJsonBody(text, this.served) : parseCsvBody(text, this.served);
    } catch (err) {
      return this.fail(ex, err);
    }
    const records = this.served.kind === 'column' || (this.served.kind === 'none' && parsed.dataframe);
    let result: Promise<Tensors>;
    const enforcer = this.served.enforcer;
    if (enforcer) {
      let inputs: Tensors;
      let params: Record<string, unknown> | undefined;
      try {
        // The signature is checked here, before the request can join a batch or reach the model.
        inputs = enforcer.enforceInputs(parsed.input, this.served.model);
        params = enforcer.enforceParams(parsed.params);
      } catch (err) {
        return this.fail(ex, err);
      }
      const rows = this.batcher ? commonRows(inputs) : undefined;
      if (rows !== undefined) {
        const key = (params === undefined ? '' : JSON.stringify(params)) + '|' + rowShapeKey(inputs);
        ex.ticket = this.batcher!.submit(inputs, rows, key, params);
        result = ex.ticket.result;
      } else result = this.runModel(inputs, params);
    } else {
      this.counters.modelCalls++;
      result = this.served.model.predictTensors(parsed.input, parsed.params);
    }
    result.then(
      (out) => {
        if (ex.done) return;
        let json: string;
        try {
          json = predictionsJson(out, records);
        } catch (err) {
          return this.fail(ex, err);
        }
        this.respond(ex, 200, json);
      },
      (err: unknown) => this.fail(ex, err, true),
    );
  }

  private respond(ex: Exchange, status: number, body: string, close = false, extra: Record<string, string> = {}): void {
    if (ex.done) return;
    const { res } = ex;
    this.finish(ex);
    if (status >= 400) this.counters.errors++;
    if (close || this.closing) res.shouldKeepAlive = false;
    const headers: Record<string, string | number> = { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...extra };
    if (close) headers.Connection = 'close';
    res.writeHead(status, headers);
    res.end(body);
  }

  /** The request's body is complete: from now on it counts against maxConcurrentRequests. */
  private bodyRead(ex: Exchange): void {
    if (!ex.reading) return;
    ex.reading = false;
    this.counters.reading--;
  }

  private finish(ex: Exchange): void {
    if (ex.done) return;
    ex.done = true;
    if (ex.timer) clearTimeout(ex.timer);
    ex.ticket?.cancel();
    this.bodyRead(ex);
    this.counters.inflight--;
    this.bufferedBytes -= ex.bytes;
    ex.bytes = 0;
  }

  /** 503 before reading anything: the server holds as many requests as it may. */
  private overloaded(res: ServerResponse, what: string, req: IncomingMessage): void {
    this.counters.rejected++;
    this.counters.errors++;
    req.resume();
    const body = new ScoringError(503, 'TEMPORARILY_UNAVAILABLE', `The server is at its limit of ${this.opts.maxConcurrentRequests} concurrent ${what} (maxConcurrentRequests); retry later.`).toJson();
    res.shouldKeepAlive = false;
    res.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), 'Retry-After': '1', Connection: 'close' });
    res.end(body);
  }

  private fail(ex: Exchange, err: unknown, fromModel = false): void {
    let e: ScoringError;
    if (err instanceof ScoringError) e = err;
    else if (err instanceof SchemaMismatchError) e = new ScoringError(400, 'INVALID_PARAMETER_VALUE', `Failed to enforce the model signature: ${err.message}`);
    // A value the input conversion refused before the model ran is the request's fault, never a 500.
    else if (err instanceof InvalidArgumentError && !fromModel) e = new ScoringError(400, 'INVALID_PARAMETER_VALUE', `Invalid input: ${err.message}`);
    else if (fromModel) {
      log('serve: model error: %s', (err as Error)?.stack ?? err);
      e = new ScoringError(400, 'BAD_REQUEST', UNEXPECTED_MODEL_ERROR, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    } else {
      log('serve: unexpected error: %s', (err as Error)?.stack ?? err);
      e = new ScoringError(500, 'INTERNAL_ERROR', `Unexpected server error: ${(err as Error)?.message ?? String(err)}`);
    }
    this.respond(ex, e.status, e.toJson());
  }

  /** 413, and the connection is closed so the rest of the body is not read. */
  private tooLarge(ex: Exchange, req: IncomingMessage): void {
    req.pause();
    const e = new ScoringError(413, 'REQUEST_LIMIT_EXCEEDED', `Request body exceeds the limit of ${this.opts.maxBodyBytes} bytes (maxBodyBytes).`);
    this.respond(ex, 413, e.toJson(), true);
  }

  /** 408 for a body that did not arrive within bodyTimeoutMs; the connection is closed. */
  private bodyTimeout(ex: Exchange, req: IncomingMessage): void {
    ex.timer = undefined;
    this.counters.bodyTimeouts++;
    req.pause();
    const e = new ScoringError(408, 'DEADLINE_EXCEEDED', `The request body did not arrive within ${this.opts.bodyTimeoutMs} ms (bodyTimeoutMs).`);
    this.respond(ex, 408, e.toJson(), true);
  }

  /** MLflow's MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT: 504 once the deadline passes. */
  private timeout(ex: Exchange, req: IncomingMessage): void {
    ex.timer = undefined;
    const e = new ScoringError(504, 'DEADLINE_EXCEEDED', `Request processing time exceeded limit (${this.opts.timeoutMs} ms).`);
    this.respond(ex, 504, e.toJson(), !req.complete);
  }
}
