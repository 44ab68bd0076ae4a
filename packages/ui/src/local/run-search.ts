/**
 * runs/search over the run index: MLflow's filter and order (core's runSearchMatcher and
 * runSearchOrder, the parts of applyRunSearch), server-side paging with MLflow's offset page tokens.
 *
 * The runs of a query's experiments, sorted by its order, are cached until the index changes, so a
 * query with a new filter (the runs table sends one per keystroke or column filter) does not sort
 * again: filtering the sorted list keeps its order, and the scan stops once the page is complete
 * (one match past it tells whether a next page exists).
 */
import type { PagedList, ViewType } from '@runlog/core';
import { createPageToken, parsePageToken, resolveMaxResults, runSearchMatcher, runSearchOrder } from '@runlog/core/internal';
import type { IndexedRun } from './run-reader.js';
import type { RunIndex } from './run-index.js';

export interface IndexSearchRequest {
  experimentIds: string[];
  filter?: string | undefined;
  orderBy?: string[] | undefined;
  viewType: ViewType;
  maxResults?: number | undefined;
  pageToken?: string | undefined;
}

/** Sorted lists kept for repeated orders (a runs table sorts by one column at a time). */
const CACHED_ORDERS = 16;
/** The most runs one query considers (MLflow's largest page). */
const MAX_MATCHES = 50_000;

export class IndexedRunSearch {
  private readonly sorted = new Map<string, { generation: number; runs: IndexedRun[] }>();

  constructor(private readonly index: RunIndex) {}

  async search(req: IndexSearchRequest): Promise<PagedList<IndexedRun>> {
    const maxResults = resolveMaxResults(req.maxResults);
    const start = parsePageToken(req.pageToken);
    // Compiled first: a bad filter or order fails before any work.
    const matches = runSearchMatcher(req.filter);
    const order = runSearchOrder(req.orderBy);
    const experimentIds = [...new Set(req.experimentIds)];
    const entries = await this.index.runsOf(experimentIds, req.viewType);
    const runs = this.sortedRuns(entries, { experimentIds, orderBy: req.orderBy, viewType: req.viewType }, order);
    const end = start + maxResults;
    const wanted = Math.min(end + 1, MAX_MATCHES);
    const found: IndexedRun[] = [];
    for (let i = 0; i < runs.length && found.length < wanted; i++) if (matches(runs[i]!.run)) found.push(runs[i]!);
    const page: PagedList<IndexedRun> = { items: found.slice(start, end) };
    if (end < found.length) page.nextPageToken = createPageToken(end);
    return page;
  }

  /** `entries` sorted by `orderBy`, from the cache while the index is unchanged. */
  private sortedRuns(
    entries: IndexedRun[],
    { experimentIds, orderBy, viewType }: { experimentIds: string[]; orderBy: string[] | undefined; viewType: ViewType },
    order: ReturnType<typeof runSearchOrder>,
  ): IndexedRun[] {
    const key = JSON.stringify([[...experimentIds].sort(), orderBy ?? [], viewType]);
    const hit = this.sorted.get(key);
    if (hit && hit.generation === this.index.generation) return hit.runs;
    const runs = [...entries].sort((a, b) => order(a.run, b.run));
    this.sorted.delete(key);
    this.sorted.set(key, { generation: this.index.generation, runs });
    if (this.sorted.size > CACHED_ORDERS) this.sorted.delete(this.sorted.keys().next().value!);
    return runs;
  }
}
