// An in-process HTTP proxy for fault-injection tests: it sits on 127.0.0.1 (port 0) in front of a
// real MLflow server and, per request, follows a programmable schedule:
//
//   pass         forward to the server and relay its answer
//   status       answer itself (e.g. 429 with `Retry-After: N`, or 503), never forwarding
//   drop-before  read the request, then destroy the client's socket: the server never saw it
//   drop-after   forward, wait for the server's full answer (the request is committed), then
//                destroy the client's socket instead of answering: the client must resend
//   delay        forward, then hold the answer for `ms` before relaying it
//
// Every request is logged with its path, fault, body hash and monotonic times (performance.now()
// in this process), so tests can count requests per path and fault, find a request's resends (same
// body) and check that a resend after a 429 came no earlier than its Retry-After.

import { createHash } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Fault =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; retryAfterS?: number }
  | { kind: 'drop-before' }
  | { kind: 'drop-after' }
  | { kind: 'delay'; ms: number };

export type FaultKind = Fault['kind'];

export interface ProxyRequest {
  /** 0-based index of this request among all requests the proxy received. */
  seq: number;
  /** 0-based index among requests to the same path. */
  seqForPath: number;
  method: string;
  /** URL path without the query string, e.g. `/api/2.0/mlflow/runs/log-batch`. */
  path: string;
  body: Buffer;
}

/** Picks the fault for a request; undefined means pass. */
export type FaultSchedule = (req: ProxyRequest) => Fault | undefined;

export interface ProxyLogEntry {
  seq: number;
  seqForPath: number;
  method: string;
  path: string;
  fault: FaultKind;
  /** HTTP status the client got (the injected one, or the server's); undefined for a dropped connection. */
  status?: number | undefined;
  /** Retry-After sent with an injected status, in milliseconds. */
  retryAfterMs?: number | undefined;
  /** sha256 of the request body: a resend of the same request has the same hash. */
  bodyHash: string;
  /** The request went to the server (pass, delay, drop-after). */
  forwarded: boolean;
  /** performance.now() when the request was fully read. */
  arrivedAt: number;
  /** performance.now() just before the answer (or the drop) left the proxy. */
  answeredAt?: number | undefined;
}

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the client as its tracking URI. */
  readonly url: string;
  /** Every request so far, in arrival order. */
  readonly log: readonly ProxyLogEntry[];
  setSchedule(schedule: FaultSchedule): void;
  /** Requests per path and fault kind, e.g. `counts()['/api/2.0/mlflow/runs/log-batch'].pass`. */
  counts(): Record<string, Partial<Record<FaultKind, number>>>;
  /** Log entries whose path ends with `suffix` (e.g. 'runs/log-batch'). */
  requestsTo(suffix: string): ProxyLogEntry[];
  /** Stops listening, cuts open connections. Idempotent. */
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'te', 'trailer', 'host', 'content-length']);

export async function startFaultProxy(upstream: string, schedule: FaultSchedule = () => undefined): Promise<FaultProxy> {
  const target = new URL(upstream);
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const log: ProxyLogEntry[] = [];
  const perPath = new Map<string, number>();
  let current = schedule;
  let seq = 0;

  const server: Server = createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://proxy').pathname;
      const seqForPath = perPath.get(path) ?? 0;
      perPath.set(path, seqForPath + 1);
      const info: ProxyRequest = { seq: seq++, seqForPath, method: req.method ?? 'GET', path, body };
      const fault: Fault = current(info) ?? { kind: 'pass' };
      const entry: ProxyLogEntry = {
        seq: info.seq,
        seqForPath,
        method: info.method,
        path,
        fault: fault.kind,
        bodyHash: createHash('sha256').update(body).digest('hex'),
        forwarded: false,
        arrivedAt: performance.now(),
      };
      log.push(entry);

      if (fault.kind === 'drop-before') {
        entry.answeredAt = performance.now();
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'status') {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfterS !== undefined) {
          headers['retry-after'] = String(fault.retryAfterS);
          entry.retryAfterMs = fault.retryAfterS * 1000;
        }
        const code = fault.status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'TEMPORARILY_UNAVAILABLE';
        entry.status = fault.status;
        entry.answeredAt = performance.now();
        res.writeHead(fault.status, headers);
        res.end(JSON.stringify({ error_code: code, message: 'injected by the fault proxy' }));
        return;
      }
      const answer = await forward(target, agent, req, body);
      entry.forwarded = true;
      if (fault.kind === 'drop-after') {
        entry.answeredAt = performance.now();
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'delay') await new Promise((resolve) => setTimeout(resolve, fault.ms));
      entry.status = answer.status;
      entry.answeredAt = performance.now();
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(answer.body.length) });
      res.end(answer.body);
    } catch (err) {
      // The server is gone or broke off: the client sees a 502, as from any reverse proxy.
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`fault proxy: upstream failed: ${(err as Error).message}`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  let closed: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    setSchedule(next) {
      current = next;
    },
    counts() {
      const out: Record<string, Partial<Record<FaultKind, number>>> = {};
      for (const e of log) {
        const byFault = (out[e.path] ??= {});
        byFault[e.fault] = (byFault[e.fault] ?? 0) + 1;
      }
      return out;
    },
    requestsTo(suffix) {
      return log.filter((e) => e.path.endsWith(suffix));
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        agent.destroy();
      });
      return closed;
    },
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

function forward(target: URL, agent: Agent, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const up = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        agent,
        headers: { ...endToEnd(req.headers), host: target.host, 'content-length': String(body.length) },
      },
      (res) => {
        readBody(res).then(
          (bytes) => resolve({ status: res.statusCode ?? 502, headers: endToEnd(res.headers), body: bytes }),
          reject,
        );
      },
    );
    up.on('error', reject);
    up.end(body);
  });
}

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v;
  }
  return out;
}
