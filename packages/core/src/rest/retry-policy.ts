/**
 * When and how long to wait before trying a request again. Kept apart from the code that sends
 * requests so the uploader and the foreground client share one policy.
 */

/** HTTP statuses MLflow's own client retries (urllib3 Retry in mlflow/utils/rest_utils.py). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export interface RetryPolicy {
  /** Retries after the first attempt; Infinity retries until the caller gives up. */
  maxRetries: number;
  /** Base delay: attempt n (1-based) waits about baseDelayMs * 2^(n-1). */
  baseDelayMs: number;
  /** Upper bound of one wait, before jitter. */
  maxDelayMs: number;
  /** Uniform random extra delay in [0, jitterMs). */
  jitterMs: number;
}

/** Foreground calls (create run, get, search): MLflow's defaults, 7 retries, factor 2 s capped at 120 s. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 7, baseDelayMs: 1000, maxDelayMs: 60_000, jitterMs: 1000 };

/** The longest Retry-After honoured: a server may ask for more than our own backoff cap. */
export const MAX_RETRY_AFTER_MS = 300_000;

/**
 * Milliseconds to wait before retry `attempt` (1-based). A server's Retry-After (seconds or an
 * HTTP date) wins when present, bounded by MAX_RETRY_AFTER_MS so a hostile header cannot park us
 * forever.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  retryAfter?: string | null,
  random: () => number = Math.random,
  now: () => number = Date.now,
): number {
  const fromHeader = parseRetryAfterMs(retryAfter, now);
  if (fromHeader !== undefined) return Math.min(fromHeader, Math.max(policy.maxDelayMs, MAX_RETRY_AFTER_MS));
  const exp = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxDelayMs);
  return exp + random() * policy.jitterMs;
}

export function parseRetryAfterMs(header: string | null | undefined, now: () => number = Date.now): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}
