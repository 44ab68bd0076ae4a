import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidArgumentError } from './errors.js';

/** Where runs go: a local MLflow FileStore directory, or an MLflow tracking server. */
export type TrackingTarget =
  | { kind: 'file'; rootDir: string; uri: string }
  | { kind: 'rest'; baseUrl: string; uri: string };

export type Auth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface TlsConfig {
  /** MLFLOW_TRACKING_INSECURE_TLS=true: skip server certificate verification. */
  insecure: boolean;
  /** MLFLOW_TRACKING_SERVER_CERT_PATH: PEM bundle of CAs to trust. */
  caPem?: string | undefined;
}

/** The embedded default: `./mlruns` in the current working directory, as MLflow's FileStore. */
export const DEFAULT_TRACKING_DIR = 'mlruns';

type Env = Record<string, string | undefined>;

/**
 * Resolves a tracking URI (option > MLFLOW_TRACKING_URI > ./mlruns) into a target.
 * Accepts a plain path, `file:` URI, or `http(s)://` URL. Database URIs (sqlite:, postgresql:, ...)
 * are MLflow *server* backends: point runlog at an `mlflow server` in front of them instead.
 */
export function resolveTrackingTarget(uri?: string, env: Env = process.env): TrackingTarget {
  // Empty values count as unset, as in MLflow.
  const raw = uri || env.MLFLOW_TRACKING_URI || env.MLFLOW_TRACKING_DIR || DEFAULT_TRACKING_DIR;
  if (/^(databricks|databricks-uc|uc)(:|$)/i.test(raw)) {
    throw new InvalidArgumentError(
      `Tracking URI '${raw.split(':')[0]}' (Databricks) is not supported by runlog; use an MLflow server's http(s):// URI.`,
    );
  }
  if (/^https?:\/\//i.test(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      // Never echo the URI: a malformed one may still carry a password.
      throw new InvalidArgumentError(`Invalid ${raw.slice(0, raw.indexOf(':'))} tracking URI (it could not be parsed).`);
    }
    if (url.username || url.password) {
      throw new InvalidArgumentError(
        'Credentials in the tracking URI are not supported: use MLFLOW_TRACKING_USERNAME / MLFLOW_TRACKING_PASSWORD.',
      );
    }
    const baseUrl = url.origin + url.pathname.replace(/\/+$/, '');
    return { kind: 'rest', baseUrl, uri: baseUrl };
  }
  if (/^file:/i.test(raw)) {
    const rootDir = fileURLToPath(raw.startsWith('file:///') || raw.startsWith('file://localhost/') ? raw : pathToFileURL(resolve(raw.slice(5))).href);
    return { kind: 'file', rootDir, uri: pathToFileURL(rootDir).href };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[a-z]:[\\/]/i.test(raw)) {
    const scheme = raw.slice(0, raw.indexOf(':'));
    throw new InvalidArgumentError(
      `Tracking URI scheme '${scheme}:' is not supported by runlog. Use a local directory (file:), or run ` +
        "`mlflow server --backend-store-uri <your database URI>` and set MLFLOW_TRACKING_URI to its http(s):// address.",
    );
  }
  const rootDir = isAbsolute(raw) ? raw : resolve(raw);
  return { kind: 'file', rootDir, uri: pathToFileURL(rootDir).href };
}

/** Basic auth wins over a bearer token, as in MLflow's Python client. */
export function resolveAuth(env: Env = process.env): Auth | undefined {
  const { MLFLOW_TRACKING_USERNAME: username, MLFLOW_TRACKING_PASSWORD: password, MLFLOW_TRACKING_TOKEN: token } = env;
  if (username && password) return { kind: 'basic', username, password };
  if (token) return { kind: 'bearer', token };
  return undefined;
}

export function resolveTls(env: Env = process.env): TlsConfig {
  const insecure = parseBoolEnv(env, 'MLFLOW_TRACKING_INSECURE_TLS') ?? false;
  const certPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH;
  if (insecure && certPath) {
    throw new InvalidArgumentError(
      'MLFLOW_TRACKING_INSECURE_TLS and MLFLOW_TRACKING_SERVER_CERT_PATH cannot be set together.',
    );
  }
  return { insecure, caPem: certPath ? readFileSync(certPath, 'utf8') : undefined };
}

/**
 * RUNLOG_CONNECT_TIMEOUT_MS: how long a connection to the tracking server may take to open, in
 * milliseconds (default: the REST client's, 2 s).
 */
export function resolveConnectTimeoutMs(wanted: number | undefined, env: Env = process.env): number | undefined {
  const raw = wanted ?? (env.RUNLOG_CONNECT_TIMEOUT_MS ? Number(env.RUNLOG_CONNECT_TIMEOUT_MS) : undefined);
  if (raw === undefined) return undefined;
  if (!Number.isFinite(raw) || raw <= 0) {
    throw new InvalidArgumentError(`The connect timeout must be a positive number of milliseconds (got ${JSON.stringify(wanted ?? env.RUNLOG_CONNECT_TIMEOUT_MS)}).`);
  }
  return raw;
}

/** MLflow's boolean env parsing: true/false/1/0, case-insensitive; anything else is an error. */
export function parseBoolEnv(env: Env, name: string): boolean | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const lower = v.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new InvalidArgumentError(`${name} must be one of true, false, 1, 0 (got ${JSON.stringify(v)}).`);
}

/** Removes user info from a URI so it can be printed. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}
