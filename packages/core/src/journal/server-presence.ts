import { debug } from '../debug.js';
import { NetworkError, RetryableError } from '../errors.js';
import { RETRYABLE_STATUSES } from '../rest/retry-policy.js';
import { isConnectFailure } from '../rest/network-failure.js';

export interface ServerPresenceOptions {
  /** One quick request; resolves when the server answered anything at all (any HTTP status). */
  probe: () => Promise<void>;
  /** First wait before probing an absent server again; doubled after each miss. Default 1 s. */
  probeMinIntervalMs?: number | undefined;
  /** Longest wait between probes. Default 30 s. */
  probeMaxIntervalMs?: number | undefined;
  /** For messages. */
  displayUri: string;
}

/**
 * Whether the tracking server is known to be away. The first request that cannot connect (or
 * gets no answer) marks it offline; from then on calls fail at once instead of each waiting out a
 * connect timeout, and the server is probed in the background (unref'd timer, doubling waits up to
 * probeMaxIntervalMs). The first probe it answers marks it online again and tells the listeners
 * (the uploader resends, staged artifacts and run ends are applied).
 */
export class ServerPresence {
  private offlineSince: number | undefined;
  private lastError: NetworkError | undefined;
  private timer: NodeJS.Timeout | undefined;
  private intervalMs: number;
  private probing = false;
  private stopped = false;
  private readonly onlineListeners = new Set<() => void>();
  private readonly offlineListeners = new Set<() => void>();
  private readonly minMs: number;
  private readonly maxMs: number;

  constructor(private readonly opts: ServerPresenceOptions) {
    this.minMs = opts.probeMinIntervalMs ?? 1000;
    this.maxMs = Math.max(this.minMs, opts.probeMaxIntervalMs ?? 30_000);
    this.intervalMs = this.minMs;
  }

  get offline(): boolean {
    return this.offlineSince !== undefined;
  }

  /** The failure that marked the server offline (undefined while online). */
  get reason(): NetworkError | undefined {
    return this.lastError;
  }

  /** Called with `fn` each time the server comes back. Returns the unsubscribe function. */
  onOnline(fn: () => void): () => void {
    this.onlineListeners.add(fn);
    return () => this.onlineListeners.delete(fn);
  }

  /** Called with `fn` each time the server is found away. Returns the unsubscribe function. */
  onOffline(fn: () => void): () => void {
    this.offlineListeners.add(fn);
    return () => this.offlineListeners.delete(fn);
  }

  /** Rejects at once, like a failed attempt, while the server is known away. */
  check(): void {
    if (this.offlineSince === undefined) return;
    const err = this.lastError!;
    const message = `${this.opts.displayUri} is offline: ${err.message} (runlog probes it in the background)`;
    throw new RetryableError(message, null, new NetworkError(message, { cause: err, reason: err.reason }));
  }

  /**
   * Runs one request: fails fast while offline, and marks the server offline when the request
   * could not connect or got no answer in time. Answers of any kind (even errors) and broken
   * connections leave presence alone.
   */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.check();
    try {
      return await fn();
    } catch (err) {
      const net = networkFailure(err);
      if (net !== undefined && meansAway(net)) this.markOffline(net);
      throw err;
    }
  }

  markOffline(err: NetworkError): void {
    this.lastError = err;
    if (this.offlineSince !== undefined || this.stopped) return;
    this.offlineSince = Date.now();
    this.intervalMs = this.minMs;
    debug('%s is offline: %s', this.opts.displayUri, err.message);
    this.schedule();
    for (const fn of [...this.offlineListeners]) safely(fn);
  }

  private markOnline(): void {
    if (this.offlineSince === undefined) return;
    debug('%s answers again after %d ms', this.opts.displayUri, Date.now() - this.offlineSince);
    this.offlineSince = undefined;
    this.lastError = undefined;
    for (const fn of [...this.onlineListeners]) safely(fn);
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probeNow();
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Probes now (also called by tests and by sync); resolves whether the server answered. */
  async probeNow(): Promise<boolean> {
    if (this.offlineSince === undefined) return true;
    if (this.probing) return false;
    this.probing = true;
    try {
      await this.opts.probe();
      this.markOnline();
      return true;
    } catch (err) {
      const net = networkFailure(err);
      // An answer that is an error (a 404 on /health, a 401) still means the server is there.
      if (net === undefined) {
        this.markOnline();
        return true;
      }
      this.lastError = net;
      this.intervalMs = Math.min(this.maxMs, this.intervalMs * 2);
      this.schedule();
      return false;
    } finally {
      this.probing = false;
    }
  }

  /** Stops probing (the client closed). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * A failure that says the server is away: no connection could be made, or it gave no answer in
 * time. A reset on a live connection is not enough (the uploader's retry covers it).
 */
function meansAway(err: NetworkError): boolean {
  return isConnectFailure(err.reason) || err.reason === 'timeout';
}

/** The NetworkError behind a failed request (no connection, no answer), if that is what it was. */
export function networkFailure(err: unknown): NetworkError | undefined {
  if (err instanceof NetworkError) return err;
  if (err instanceof RetryableError && err.underlying instanceof NetworkError) return err.underlying;
  return undefined;
}

/** No connection, or an answer worth trying again later (408/429/5xx): what waits for the server. */
export function isTransient(err: unknown): boolean {
  if (networkFailure(err) !== undefined || err instanceof RetryableError) return true;
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && RETRYABLE_STATUSES.has(status);
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    debug('presence listener: %s', (err as Error).message);
  }
}
