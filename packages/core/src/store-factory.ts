import { resolveAuth, resolveConnectTimeoutMs, resolveTls, resolveTrackingTarget } from './config.js';
import type { RegistryStore } from './registry/registry-store.js';
import { RestRegistryStore } from './rest/rest-registry-store.js';
import { RestStore } from './rest/rest-store.js';
import { isTrackingServerStore, type TrackingStore } from './store.js';
import { FileRegistryStore } from './stores/file-registry-store.js';
import { FileStore } from './stores/file-store.js';

type Env = Record<string, string | undefined>;

/** Opens the store a tracking URI names: FileStore for paths and file: URIs, RestStore for http(s). */
export function openStore(
  trackingUri?: string,
  env: Env = process.env,
  opts: { connectTimeoutMs?: number | undefined } = {},
): { store: TrackingStore; uri: string } {
  const target = resolveTrackingTarget(trackingUri, env);
  if (target.kind === 'file') return { store: new FileStore(target.rootDir), uri: target.uri };
  const connectTimeoutMs = resolveConnectTimeoutMs(opts.connectTimeoutMs, env);
  const store = new RestStore({ baseUrl: target.baseUrl, auth: resolveAuth(env), tls: resolveTls(env), connectTimeoutMs });
  return { store, uri: target.uri };
}

/**
 * Opens the model registry, resolved as MLflow resolves it: `registryUri`, else
 * MLFLOW_REGISTRY_URI, else the tracking URI. A server registry shares the tracking store's
 * connection pool when both URIs name the same server; a local registry is the `models/` folder
 * of that mlruns directory, and looks up `models:/<model_id>` sources in the tracking store when
 * it is the same directory.
 */
export function openRegistryStore(
  opts: { registryUri?: string | undefined; trackingUri: string; trackingStore?: TrackingStore | undefined },
  env: Env = process.env,
): { store: RegistryStore; uri: string } {
  const raw = opts.registryUri || env.MLFLOW_REGISTRY_URI || opts.trackingUri;
  // Resolved without the environment: `raw` is already the choice, never MLFLOW_TRACKING_URI.
  const target = resolveTrackingTarget(raw, {});
  const tracking = opts.trackingStore;
  if (target.kind === 'file') {
    const sameRoot = tracking?.capabilities?.localRoot !== undefined && tracking.capabilities.localRoot === target.rootDir;
    const getLoggedModel = sameRoot || isTrackingServerStore(tracking) ? (id: string) => tracking!.getLoggedModel(id) : undefined;
    return { store: new FileRegistryStore(target.rootDir, { getLoggedModel }), uri: target.uri };
  }
  const shared = tracking?.capabilities?.trackingServer?.registryOn(target.baseUrl);
  if (shared !== undefined) return { store: shared, uri: target.uri };
  const connectTimeoutMs = resolveConnectTimeoutMs(undefined, env);
  return { store: new RestRegistryStore({ baseUrl: target.baseUrl, auth: resolveAuth(env), tls: resolveTls(env), connectTimeoutMs }), uri: target.uri };
}
