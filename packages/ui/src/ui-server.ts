/**
 * `startUiServer`: the HTTP server behind `runlog ui`. Serves the bundled app at `/`, MLflow's REST
 * API under `/api/2.0/mlflow/` and `/ajax-api/2.0/mlflow/`, MLflow's artifact proxy, the browser's
 * `/get-artifact`, and runlog's `/runlog-api/v1/`. Over a local store (a path or `file:` URI,
 * default ./mlruns) it answers from an in-memory run index; over an `http(s)://` MLflow server it
 * forwards, adding the credentials from the environment, which never reach the browser.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { resolveTrackingTarget } from '@runlog/core/internal';
import { endpointNotFound, permissionDenied } from './http/api-error.js';
import { ApiParams } from './http/api-params.js';
import { readJsonBody, sendError, sendJson } from './http/http-io.js';
import { guardRequest, isLoopbackHost } from './http/request-guard.js';
import { isWrite, matchMlflowRoute, MLFLOW_ROUTES } from './http/routes.js';
import { RUNLOG_API_PREFIX, runlogApi, type ServerInfo } from './http/runlog-api.js';
import { DEFAULT_WEB_DIR, serveStatic } from './http/static-files.js';
import { hasWebApp, sendWebAppMissing } from './http/web-app-missing.js';
import { LocalBackend } from './local/local-backend.js';
import { RemoteBackend } from './remote/remote-backend.js';
import { RESPONDED, type UiBackend } from './ui-backend.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
const CLOSE_GRACE_MS = 2_000;
const ARTIFACT_PROXY_PREFIXES = ['/api/2.0/mlflow-artifacts/artifacts', '/ajax-api/2.0/mlflow-artifacts/artifacts'];

export interface UiServerOptions {
  /** A local store (path or `file:` URI) or an MLflow server (`http(s)://`). Default: MLFLOW_TRACKING_URI, else ./mlruns. */
  trackingUri?: string | undefined;
  /** Interface to bind. Default 127.0.0.1 (loopback); any other host is reachable from the network. */
  host?: string | undefined;
  /** Port; 0 picks a free one. Default 5000. */
  port?: number | undefined;
  /** Refuse every write (403 PERMISSION_DENIED). Default false. */
  readOnly?: boolean | undefined;
  /** Where the bundled app is (default: this package's web-dist/). */
  webDir?: string | undefined;
  /** Environment for credentials and the default tracking URI (default process.env). */
  env?: Record<string, string | undefined> | undefined;
  /** Time allowed for one request, headers and body, in milliseconds (default 120 s). */
  requestTimeoutMs?: number | undefined;
}

export interface UiServer {
  /** `http://host:port` */
  readonly url: string;
  readonly mode: 'local' | 'server';
  /** The tracking URI served, for display (never with credentials). */
  readonly trackingUri: string;
  /**
   * Whether the web folder held the browser app (index.html) at start. Without it the server
   * still runs: the API answers and `/` is a 503 page saying how to build the app.
   */
  readonly webAppBuilt: boolean;
  /** Stops accepting connections, ends idle ones and releases the store. Idempotent. */
  close(): Promise<void>;
}

export async function startUiServer(options: UiServerOptions = {}): Promise<UiServer> {
  const env = options.env ?? process.env;
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 5000;
  const readOnly = options.readOnly ?? false;
  const webDir = options.webDir ?? DEFAULT_WEB_DIR;
  const target = resolveTrackingTarget(options.trackingUri, env);
  const backend: UiBackend = target.kind === 'file' ? new LocalBackend(target.rootDir, target.uri) : new RemoteBackend(target.baseUrl, env);
  const info: ServerInfo = { mode: backend.mode, trackingUri: backend.displayUri, readOnly, version };
  const loopbackOnly = isLoopbackHost(host);
  // The cold scan starts now; the first queries wait for it.
  const warming = backend.warm();
  void warming.catch(() => undefined);

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => sendError(res, err));
  });
  server.requestTimeout = options.requestTimeoutMs ?? 120_000;
  server.headersTimeout = Math.min(30_000, server.requestTimeout);
  server.keepAliveTimeout = 5_000;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    guardRequest(req, loopbackOnly);
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { pathname } = url;

    if (pathname === '/get-artifact' || pathname === '/ajax-api/2.0/mlflow/get-artifact') {
      if (method !== 'GET' && method !== 'HEAD') throw endpointNotFound(method, pathname);
      await backend.getArtifact(req, res, url.searchParams);
      return;
    }
    const match = matchMlflowRoute(pathname);
    if (match) {
      const route = match.route;
      if (route === undefined || !(MLFLOW_ROUTES[route]!.methods as readonly string[]).includes(method)) throw endpointNotFound(method, pathname);
      const write = isWrite(route, method);
      if (write && readOnly) throw permissionDenied(write);
      const params = method === 'GET' ? ApiParams.fromQuery(url.searchParams) : ApiParams.fromBody(await readJsonBody(req));
      const result = await backend.mlflow(route, method, params, req, res, match.pathParam);
      if (result !== RESPONDED) sendJson(res, 200, result ?? {});
      return;
    }
    const proxy = ARTIFACT_PROXY_PREFIXES.find((p) => pathname === p || pathname.startsWith(p + '/'));
    if (proxy !== undefined) {
      if (method !== 'GET' && method !== 'HEAD' && readOnly) throw permissionDenied('Uploading or deleting an artifact');
      let rel: string;
      try {
        rel = decodeURIComponent(pathname.slice(proxy.length + 1));
      } catch {
        throw endpointNotFound(method, pathname);
      }
      await backend.artifactProxy(req, res, rel, url.searchParams);
      return;
    }
    if (pathname.startsWith(RUNLOG_API_PREFIX)) {
      sendJson(res, 200, await runlogApi(backend, info, method, pathname.slice(RUNLOG_API_PREFIX.length), url.searchParams));
      return;
    }
    if (pathname === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('OK');
      return;
    }
    if (pathname.startsWith('/api/') || pathname.startsWith('/ajax-api/')) throw endpointNotFound(method, pathname);
    if (await serveStatic(req, res, pathname, webDir)) return;
    // Checked per request, so building the app while the server runs is enough.
    if (pathname === '/' && (method === 'GET' || method === 'HEAD') && !(await hasWebApp(webDir))) {
      sendWebAppMissing(res, webDir, method === 'HEAD');
      return;
    }
    throw endpointNotFound(method, pathname);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await backend.close();
    throw err;
  }
  const webAppBuilt = await hasWebApp(webDir);
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || host.includes(':') ? `[${address.address}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    mode: backend.mode,
    trackingUri: backend.displayUri,
    webAppBuilt,
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Requests still in flight after a grace period (a slow download) are cut.
          setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS).unref();
        });
        await backend.close();
      })();
      return closing;
    },
  };
}
