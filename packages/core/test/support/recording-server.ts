import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An in-process HTTP server on port 0 that records MLflow REST requests and answers them with a
 * scripted behaviour, for testing runlog's client side (batching, retries, error mapping) without
 * a real server. Interop with real MLflow is tested separately in test/interop.
 */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: any;
  raw: Buffer;
}

/** Return undefined to fall through to the default 200 `{}` answer. */
export type Responder = (
  req: RecordedRequest,
  res: ServerResponse,
) => void | 'handled' | Promise<void | 'handled'>;

export class RecordingServer {
  readonly requests: RecordedRequest[] = [];
  responder: Responder | undefined;
  private server: Server | undefined;
  url = '';

  /** Listens on `port` (default: any free one). */
  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    let body: any;
    try {
      body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, raw };
    this.requests.push(rec);
    const outcome = this.responder ? await this.responder(rec, res) : undefined;
    if (outcome === 'handled') return;
    if (!res.headersSent) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    }
  }

  /** Requests whose path contains `fragment`. */
  find(fragment: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(fragment));
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): 'handled' {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
  return 'handled';
}
