/**
 * Metric histories of a local store, read from their files and cached. A cached history is
 * checked against its file on every use (one stat): a file that grew (a live run appending) is
 * read from where the last read stopped, one that changed otherwise is read again. The cache
 * holds at most `maxCachedPoints` points in all, least recently used first out.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptStoreError } from '@runlog/core';
import { debug, validateKey } from '@runlog/core/internal';
import { MetricHistory } from './metric-history.js';
import { parseLines } from './metric-lines.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

interface Entry {
  history: MetricHistory;
  /** Bytes of complete lines read so far. */
  offset: number;
  mtimeMs: number;
  size: number;
}

/** Metrics of one run read ahead by prefetch (the first ones, in the order given). */
const PREFETCH_METRICS = 8;
/** A run is read ahead at most once in this long (its page polls runs/get while it is live). */
const PREFETCH_AGAIN_MS = 60_000;
/** Runs remembered as read ahead. */
const PREFETCH_MEMORY = 256;

export class MetricHistoryCache {
  private readonly entries = new Map<string, Entry>();
  private cachedPoints = 0;
  /** The read of each history under way: a second caller waits for it instead of reading again. */
  private readonly reading = new Map<string, Promise<MetricHistory>>();
  /** Date.now() of each run's last prefetch. */
  private readonly prefetched = new Map<string, number>();

  constructor(
    private readonly runDir: (runId: string) => Promise<string>,
    private readonly maxCachedPoints = 5_000_000,
  ) {}

  /** The history of `key` in run `runId`; empty when the run has no such metric. */
  async get(runId: string, key: string): Promise<MetricHistory> {
    validateKey('metric', key);
    const cacheKey = `${runId}\0${key}`;
    const before = this.reading.get(cacheKey);
    // After the read under way (whatever its outcome), check the file again: cheap when it was that read's.
    const read = (before ?? Promise.resolve()).then(
      () => this.load(runId, key),
      () => this.load(runId, key),
    );
    this.reading.set(cacheKey, read);
    try {
      return await read;
    } finally {
      if (this.reading.get(cacheKey) === read) this.reading.delete(cacheKey);
    }
  }

  /**
   * Starts reading the first PREFETCH_METRICS of `keys` of a run in the background (one after the
   * other), so the chart that asks next finds them read. Bounded: a run at most once per
   * PREFETCH_AGAIN_MS, and never past half the cache's point budget (prefetch never evicts
   * histories in use to make room for ones that may not be asked for). Failures are left for
   * the request that asks to report: the promise (done reading ahead) never rejects.
   */
  prefetch(runId: string, keys: readonly string[]): Promise<void> {
    const now = Date.now();
    const last = this.prefetched.get(runId);
    if (last !== undefined && now - last < PREFETCH_AGAIN_MS) return Promise.resolve();
    this.prefetched.delete(runId);
    this.prefetched.set(runId, now);
    if (this.prefetched.size > PREFETCH_MEMORY) this.prefetched.delete(this.prefetched.keys().next().value!);
    const wanted = keys.slice(0, PREFETCH_METRICS);
    return (async () => {
      for (const key of wanted) {
        if (this.cachedPoints >= this.maxCachedPoints / 2) return;
        await this.get(runId, key);
      }
    })().catch((err: unknown) => debug('runlog ui: reading ahead the metrics of run %s failed: %s', runId, (err as Error).message));
  }

  /** Points held in all (the budget's measure). */
  get cachedPointCount(): number {
    return this.cachedPoints;
  }

  /** Whether the history of `key` in run `runId` is held (read, and not evicted since). */
  isCached(runId: string, key: string): boolean {
    return this.entries.has(`${runId}\0${key}`);
  }

  private async load(runId: string, key: string): Promise<MetricHistory> {
    const file = join(await this.runDir(runId), 'metrics', ...key.split('/'));
    const cacheKey = `${runId}\0${key}`;
    const st = await stat(file).catch(() => undefined);
    if (!st || !st.isFile()) {
      this.drop(cacheKey);
      return new MetricHistory(key, 1);
    }
    let entry = this.entries.get(cacheKey);
    if (entry && entry.size === st.size && entry.mtimeMs === st.mtimeMs) {
      this.touch(cacheKey, entry);
      return entry.history;
    }
    if (!entry || st.size < entry.offset) {
      this.drop(cacheKey);
      entry = { history: new MetricHistory(key), offset: 0, mtimeMs: 0, size: 0 };
    }
    const before = entry.history.length;
    entry.offset = await readLines(file, key, entry.offset, entry.history);
    entry.mtimeMs = st.mtimeMs;
    entry.size = st.size;
    this.cachedPoints += entry.history.length - before;
    this.touch(cacheKey, entry);
    this.evict(cacheKey);
    return entry.history;
  }

  private touch(cacheKey: string, entry: Entry): void {
    this.entries.delete(cacheKey);
    this.entries.set(cacheKey, entry);
  }

  private drop(cacheKey: string): void {
    const e = this.entries.get(cacheKey);
    if (!e) return;
    this.cachedPoints -= e.history.length;
    this.entries.delete(cacheKey);
  }

  private evict(keep: string): void {
    for (const k of this.entries.keys()) {
      if (this.cachedPoints <= this.maxCachedPoints) return;
      if (k !== keep) this.drop(k);
    }
  }
}

/**
 * Parses the complete lines of `file` from byte `offset` into `history`; returns the offset after
 * the last complete line (a torn last line is left for the next read). The bytes are parsed in
 * chunks by metric-lines.ts, without a string per line.
 */
async function readLines(file: string, key: string, offset: number, history: MetricHistory): Promise<number> {
  const handle = await open(file, 'r');
  try {
    let pos = offset;
    let linesBefore = 0;
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    // Bytes of an incomplete line carried from the previous chunk sit at the start of buf.
    let carried = 0;
    for (;;) {
      if (carried === buf.length) throw new CorruptStoreError(`Metric '${key}' is malformed in ${file}: a line longer than ${CHUNK_BYTES} bytes.`);
      const { bytesRead } = await handle.read(buf, carried, buf.length - carried, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const end = carried + bytesRead;
      const parsed = parseLines(buf, end, history);
      if ('reason' in parsed) throw new CorruptStoreError(`Metric '${key}' is malformed in ${file}, line ${linesBefore + parsed.line}: ${parsed.reason}.`);
      linesBefore += parsed.lines;
      carried = end - parsed.consumed;
      buf.copy(buf, 0, parsed.consumed, end);
    }
    return pos - carried;
  } finally {
    await handle.close();
  }
}
