/**
 * Metric histories of a local store, read from their files and cached. A cached history is
 * checked against its file on every use (one stat): a file that grew (a live run appending) is
 * read from where the last read stopped, one that changed otherwise is read again. The cache
 * holds at most `maxCachedPoints` points in all, least recently used first out.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { CorruptStoreError } from '@runlog/core';
import { parseMetricLine, validateKey } from '@runlog/core/internal';
import { MetricHistory } from './metric-history.js';

const CHUNK_BYTES = 4 * 1024 * 1024;

interface Entry {
  history: MetricHistory;
  /** Bytes of complete lines read so far. */
  offset: number;
  mtimeMs: number;
  size: number;
}

export class MetricHistoryCache {
  private readonly entries = new Map<string, Entry>();
  private cachedPoints = 0;

  constructor(
    private readonly runDir: (runId: string) => Promise<string>,
    private readonly maxCachedPoints = 5_000_000,
  ) {}

  /** The history of `key` in run `runId`; empty when the run has no such metric. */
  async get(runId: string, key: string): Promise<MetricHistory> {
    validateKey('metric', key);
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
 * the last complete line (a torn last line is left for the next read).
 */
async function readLines(file: string, key: string, offset: number, history: MetricHistory): Promise<number> {
  const handle = await open(file, 'r');
  try {
    let pos = offset;
    let carry = '';
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    let lineNo = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK_BYTES, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      // Lines are ASCII, so cutting the buffer anywhere cuts no character in two.
      const text = carry + buf.toString('latin1', 0, bytesRead);
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl === -1) break;
        lineNo++;
        const line = text.slice(start, nl);
        start = nl + 1;
        if (line === '') continue;
        const p = fastParse(line) ?? parseMetricLine(line);
        if (typeof p === 'string') throw new CorruptStoreError(`Metric '${key}' is malformed in ${file}, line ${lineNo}: ${p}.`);
        history.push(p.timestamp, p.value, p.step);
      }
      carry = text.slice(start);
    }
    return pos - Buffer.byteLength(carry, 'latin1');
  } finally {
    await handle.close();
  }
}

const SIMPLE_LINE = /^(\d+) (-?\d+(?:\.\d+)?(?:e[+-]?\d+)?) (-?\d+)$/;

/** The common `<ts> <float> <step>` line without the Python-grammar corner cases. */
function fastParse(line: string): { timestamp: number; value: number; step: number } | undefined {
  const m = SIMPLE_LINE.exec(line);
  if (!m) return undefined;
  return { timestamp: Number(m[1]), value: Number(m[2]), step: Number(m[3]) };
}
