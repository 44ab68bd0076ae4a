// Server-side paging for the runs table: one loader per (experiment, filter, order) fetches pages of
// runs as the table scrolls near the end of what it has, one request at a time. A new query gets a
// new loader; the old one is disposed, which aborts its request and drops its late answer.
import { signal } from '@preact/signals';
import { ApiError } from '../../api/http.js';
import { searchRuns } from '../../api/tracking.js';
import type { Run } from '../../api/types.js';

/** Runs per request: enough to fill several screens, small enough to answer fast. */
export const RUNS_PAGE_SIZE = 500;

export class RunsLoader {
  readonly runs = signal<Run[]>([]);
  readonly loading = signal(false);
  /** The last request's failure (a bad filter is a 400 whose message the page shows inline). */
  readonly error = signal<ApiError | Error | undefined>(undefined);
  /** True once the server said there are no more pages. */
  readonly complete = signal(false);
  private nextPageToken: string | undefined;
  private readonly abort = new AbortController();

  constructor(
    readonly experimentIds: string[],
    readonly filter: string,
    readonly orderBy: string[],
    private readonly pageSize = RUNS_PAGE_SIZE,
  ) {}

  /** Fetches the next page unless one is in flight, the last failed, or there is none. */
  loadMore(): void {
    if (this.loading.value || this.complete.value || this.error.value || this.abort.signal.aborted) return;
    this.loading.value = true;
    searchRuns(
      {
        experimentIds: this.experimentIds,
        filter: this.filter,
        orderBy: this.orderBy,
        maxResults: this.pageSize,
        pageToken: this.nextPageToken,
      },
      this.abort.signal,
    ).then(
      (page) => {
        if (this.abort.signal.aborted) return;
        this.nextPageToken = page.nextPageToken;
        this.runs.value = [...this.runs.value, ...page.runs];
        this.complete.value = page.nextPageToken === undefined;
        this.loading.value = false;
      },
      (error: unknown) => {
        if (this.abort.signal.aborted) return;
        this.error.value = error as Error;
        this.loading.value = false;
      },
    );
  }

  dispose(): void {
    this.abort.abort();
  }
}
