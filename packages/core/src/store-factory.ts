import { resolveAuth, resolveTls, resolveTrackingTarget } from './config.js';
import { RestStore } from './rest/rest-store.js';
import type { TrackingStore } from './store.js';
import { FileStore } from './stores/file-store.js';

type Env = Record<string, string | undefined>;

/** Opens the store a tracking URI names: FileStore for paths and file: URIs, RestStore for http(s). */
export function openStore(trackingUri?: string, env: Env = process.env): { store: TrackingStore; uri: string } {
  const target = resolveTrackingTarget(trackingUri, env);
  if (target.kind === 'file') return { store: new FileStore(target.rootDir), uri: target.uri };
  const store = new RestStore({ baseUrl: target.baseUrl, auth: resolveAuth(env), tls: resolveTls(env) });
  return { store, uri: target.uri };
}
