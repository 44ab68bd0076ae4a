import { existsSync } from 'node:fs';
import { resolveAuth, resolveConnectTimeoutMs, resolveTls, resolveTrackingTarget } from '../config.js';
import { CredentialsRefusedError, NetworkError } from '../errors.js';
import { defaultJournalDir } from '../journal/journal-location.js';
import { scanSession, sessionDirs } from '../journal/journal-scan.js';
import { RestClient } from '../rest/rest-client.js';

type Env = Record<string, string | undefined>;

/** What `runlog status` reports: where records go, whether that place answers, and what waits locally. */
export interface TrackingStatus {
  trackingUri: string;
  kind: 'server' | 'local';
  /** Server: answered /health. Local: the directory exists (it is created on first use otherwise). */
  reachable: boolean;
  /** The server's MLflow version (GET /version). */
  serverVersion?: string | undefined;
  /** An authenticated API call succeeded; false with `problem` saying why (e.g. HTTP 401). */
  authOk?: boolean | undefined;
  problem?: string | undefined;
  /**
   * The kind of problem: a NetworkError's reason ('refused', 'dns', 'tls', 'connect-timeout',
   * 'timeout', 'reset', 'other'), 'credentials' for a 401/403, 'server' for another error answer.
   */
  problemKind?: NetworkError['reason'] | 'credentials' | 'server' | undefined;
  journal: {
    dir: string;
    sessions: number;
    /** Records and run ends not yet on a server, across sessions. */
    waiting: number;
    /** Of those, held by processes still running (they upload them themselves). */
    waitingLive: number;
    /** Artifacts staged while the server was away, not yet uploaded. */
    artifacts: number;
    corruptFrames: number;
  };
}

/** What `runlog status` reports: the tracking URI, whether the server answers (and its version), whether the credentials are accepted, and the journal backlog. */
export async function trackingStatus(opts: { trackingUri?: string | undefined; journalDir?: string | undefined; env?: Env } = {}): Promise<TrackingStatus> {
  const env = opts.env ?? process.env;
  const target = resolveTrackingTarget(opts.trackingUri, env);
  const journal = await journalBacklog(opts.journalDir ?? defaultJournalDir(env));
  if (target.kind === 'file') {
    return { trackingUri: target.uri, kind: 'local', reachable: existsSync(target.rootDir), journal };
  }
  const client = new RestClient({
    baseUrl: target.baseUrl,
    auth: resolveAuth(env),
    tls: resolveTls(env),
    timeoutMs: 10_000,
    connectTimeoutMs: resolveConnectTimeoutMs(undefined, env),
  });
  const status: TrackingStatus = { trackingUri: target.uri, kind: 'server', reachable: false, journal };
  try {
    await client.once('GET', '/health', { raw: true });
    status.reachable = true;
    const version = (await client.once('GET', '/version', { raw: true }).catch(() => undefined)) as Uint8Array | undefined;
    if (version !== undefined) status.serverVersion = client.scrubber.scrub(Buffer.from(version).toString('utf8').trim());
    await client.once('POST', 'experiments/search', { body: { max_results: 1 } });
    status.authOk = true;
  } catch (err) {
    const e = err as Error & { underlying?: Error; status?: number };
    const cause = e.underlying ?? e;
    status.problem = cause.message;
    status.problemKind = cause instanceof NetworkError ? cause.reason : cause instanceof CredentialsRefusedError ? 'credentials' : 'server';
    if (status.reachable) status.authOk = false;
  } finally {
    await client.close();
  }
  return status;
}

async function journalBacklog(dir: string): Promise<TrackingStatus['journal']> {
  const out = { dir, sessions: 0, waiting: 0, waitingLive: 0, artifacts: 0, corruptFrames: 0 };
  for (const session of sessionDirs(dir)) {
    const s = await scanSession(session);
    if (s.unsettled === 0 && s.stagedArtifacts === 0) continue;
    out.sessions++;
    out.artifacts += s.stagedArtifacts;
    out.waiting += s.unsettled;
    if (s.livePid !== undefined && !s.closed) out.waitingLive += s.unsettled;
    out.corruptFrames += s.corruptFrames;
  }
  return out;
}
