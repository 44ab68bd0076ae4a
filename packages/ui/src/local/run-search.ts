/**
 * runs/search over the run index: MLflow's filter and order (core's applyRunSearch), server-side
 * paging with MLflow's offset page tokens. The filtered, sorted list of a query is cached until
 * the index changes, so the next pages and repeated queries cost a slice.
 */
import type { PagedList, ViewType } from '@runlog/core';
import { applyRunSearch, createPageToken, parsePageToken, resolveMaxResults } from '@runlog/core/internal';
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

/** Sorted lists kept for repeated queries (the runs table pages through one). */
const CACHED_QUERIES = 16;
/** The most runs one query considers (MLflow's largest page). */
const MAX_MATCHES = 50_000;

export class IndexedRunSearch {
  private readonly cache = new Map<string, { generation: number; runs: IndexedRun[] }>();

  constructor(private readonly index: RunIndex) {}

  async search(req: IndexSearchRequest): Promise<PagedList<IndexedRun>> {
    const maxResults = resolveMaxResults(req.maxResults);
    const start = parsePageToken(req.pageToken);
    const entries = await this.index.runsOf([...new Set(req.experimentIds)], req.viewType);
    const key = JSON.stringify([[...new Set(req.experimentIds)].sort(), req.filter ?? '', req.orderBy ?? [], req.viewType]);
    let hit = this.cache.get(key);
    if (!hit || hit.generation !== this.index.generation) {
      const byRun = new Map(entries.map((e) => [e.run, e]));
      const sorted = applyRunSearch(
        entries.map((e) => e.run),
        { filter: req.filter, orderBy: req.orderBy, maxResults: MAX_MATCHES },
      ).items.map((run) => byRun.get(run)!);
      hit = { generation: this.index.generation, runs: sorted };
      this.cache.delete(key);
      this.cache.set(key, hit);
      if (this.cache.size > CACHED_QUERIES) this.cache.delete(this.cache.keys().next().value!);
    }
    const end = start + maxResults;
    const page: PagedList<IndexedRun> = { items: hit.runs.slice(start, end) };
    if (end < hit.runs.length) page.nextPageToken = createPageToken(end);
    return page;
  }
}
