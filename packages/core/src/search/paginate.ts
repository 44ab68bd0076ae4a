import type { PagedList } from '../entities.js';
import { InvalidArgumentError } from '../errors.js';

/** MLflow's default page size for runs and experiments searches (SEARCH_MAX_RESULTS_DEFAULT). */
export const SEARCH_MAX_RESULTS_DEFAULT = 1000;
/** MLflow's largest page size (SEARCH_MAX_RESULTS_THRESHOLD). */
export const SEARCH_MAX_RESULTS_THRESHOLD = 50_000;

/** Checks a page size: an integer in 1..50000, or undefined for the default of 1000. */
export function resolveMaxResults(maxResults: number | undefined): number {
  if (maxResults === undefined) return SEARCH_MAX_RESULTS_DEFAULT;
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    throw new InvalidArgumentError(`Invalid value ${maxResults} for maxResults: it must be a positive integer.`);
  }
  if (maxResults > SEARCH_MAX_RESULTS_THRESHOLD) {
    throw new InvalidArgumentError(
      `Invalid value ${maxResults} for maxResults: it must be at most ${SEARCH_MAX_RESULTS_THRESHOLD}.`,
    );
  }
  return maxResults;
}

/**
 * A page token as MLflow's stores make it: base64 of Python's `json.dumps({"offset": N})`, byte for
 * byte, so tokens pass between runlog and MLflow. Callers must treat tokens as opaque.
 */
export function createPageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/**
 * The start offset a page token encodes; 0 for no token. Like MLflow, a token whose offset is
 * missing or 0 is invalid (no page but the first starts at 0, and the first has no token); unlike
 * it, a negative or fractional offset is refused too instead of slicing from the end.
 */
export function parsePageToken(pageToken: string | undefined): number {
  if (pageToken === undefined || pageToken === '') return 0;
  const decoded = Buffer.from(pageToken, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw new InvalidArgumentError(`Invalid page token ${JSON.stringify(pageToken)}: not base64-encoded JSON.`);
  }
  const raw = typeof parsed === 'object' && parsed !== null ? (parsed as { offset?: unknown }).offset : undefined;
  // MLflow takes int(offset), so a numeric string is as good as a number.
  const offset = typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 1) {
    throw new InvalidArgumentError(`Invalid page token ${JSON.stringify(pageToken)}: decoded value ${decoded}.`);
  }
  return offset;
}

/** One page of `items` (already filtered and sorted) and the token for the next, if any. */
export function paginate<T>(items: readonly T[], pageToken: string | undefined, maxResults: number): PagedList<T> {
  const start = parsePageToken(pageToken);
  const end = start + maxResults;
  const page: PagedList<T> = { items: items.slice(start, end) };
  if (end < items.length) page.nextPageToken = createPageToken(end);
  return page;
}
