/**
 * The in-memory index of a local store's runs: built once by a cold scan (run folders read in
 * parallel, each metric's latest point from the end of its file), kept fresh incrementally.
 *
 * Freshness, checked on every query (cheap: a few stats) so that writes made through the UI or by
 * a training process show on the next query:
 * - the root, `.trash` and each queried experiment folder are stat'ed; a changed one is re-listed
 *   (new runs read, removed ones dropped);
 * - RUNNING runs (the ones training processes write to) have their folder, `metrics/` and metric
 *   files stat'ed; one changed since it was read is read again;
 * - a background sweep (at most every `sweepIntervalMs`, started by a query) stats every run's
 *   folder, `params/` and `tags/` to catch edits to finished runs by other processes.
 * Writes made through the ui server call `reload(runId)` at once. Where fs.watch works, the root
 * and experiment folders are watched too, so new runs are read before the next query asks (the
 * checks above stay the authority: a watcher that fails or is missing costs only speed).
 *
 * File access is synchronous (see run-reader.ts for why), in slices of at most SLICE_MS between
 * which the event loop runs, so a long scan or sweep never stalls the requests being served.
 */
import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import type { ViewType } from '@runlog/core';
import { CorruptStoreError } from '@runlog/core';
import { debug } from '@runlog/core/internal';
import { readIndexedRun, type IndexedRun } from './run-reader.js';

/** Longest stretch of synchronous file access before yielding to the event loop. */
const SLICE_MS = 10;
/** A file modified less than this before a run was read may have been missed: read it again. */
const MTIME_SLACK_MS = 1000;
/** RUNNING runs checked per query, most recently started first; the sweep covers the rest. */
const LIVE_CHECK_LIMIT = 100;
/** runsOf answers kept (a page asks with one or two experiment sets and views). */
const CACHED_LISTS = 8;
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
const NOT_EXPERIMENTS = new Set(['.trash', 'models']);

interface ExperimentEntry {
  id: string;
  dir: string;
  /** Runs by id. */
  runs: Map<string, IndexedRun>;
  /** Date.now() before the folder was last listed. */
  listedAt: number;
  /** Background re-listings made for a run folder still without meta.yaml. */
  retries?: number;
  /** The listing under way, so two callers never read the same new runs twice. */
  syncing?: Promise<void> | undefined;
}

export interface RunIndexOptions {
  /** How often at most the background sweep re-checks every run (default 15 s). */
  sweepIntervalMs?: number;
  /** Watch the root and experiment folders with fs.watch (default true). */
  watch?: boolean;
}

/** Changes seen by a watcher are gathered this long before the folder is listed again. */
const WATCH_DEBOUNCE_MS = 50;
const PENDING_RETRY_MS = 200;
const PENDING_RETRIES = 25;

function mtimeOf(path: string): number | undefined {
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `fn` over `items` synchronously, yielding to the event loop every SLICE_MS. */
async function sliced<T>(items: readonly T[], fn: (item: T) => void): Promise<void> {
  let sliceStart = Date.now();
  for (const item of items) {
    fn(item);
    if (Date.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = Date.now();
    }
  }
}

export class RunIndex {
  private readonly experiments = new Map<string, ExperimentEntry>();
  private readonly byRunId = new Map<string, { exp: ExperimentEntry; run: IndexedRun }>();
  private rootListedAt = -Infinity;
  private ready: Promise<void> | undefined;
  private sweeping: Promise<void> | undefined;
  private lastSweep = 0;
  private readonly sweepIntervalMs: number;
  private readonly watchEnabled: boolean;
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly watchTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;
  /** Bumped on every change, so cached search results know they are stale. */
  generation = 0;
  /** runsOf's answers (by experiments and view) and the RUNNING runs, valid for one generation. */
  private readonly listCache = new Map<string, { generation: number; runs: IndexedRun[] }>();
  private liveCache: { generation: number; live: Array<{ exp: ExperimentEntry; run: IndexedRun }> } | undefined;

  constructor(
    readonly rootDir: string,
    opts: RunIndexOptions = {},
  ) {
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 15_000;
    this.watchEnabled = opts.watch ?? true;
  }

  /** Builds the index (the cold scan) once; later calls wait for the same scan. */
  warm(): Promise<void> {
    this.ready ??= this.syncExperimentList(true).then(() => {
      this.lastSweep = Date.now();
    });
    return this.ready;
  }

  /**
   * Brings the given experiments (all when undefined) up to date and returns their runs in `view`.
   * Cheap when nothing changed. The array is shared with later calls until the index changes:
   * callers must not modify it.
   */
  async runsOf(experimentIds: readonly string[] | undefined, view: ViewType): Promise<IndexedRun[]> {
    await this.warm();
    await this.syncExperimentList(false);
    const entries = experimentIds === undefined ? [...this.experiments.values()] : experimentIds.map((id) => this.experiments.get(id)).filter((e) => e !== undefined);
    for (const e of entries) await this.syncExperiment(e);
    this.checkLive(entries);
    this.maybeSweep();
    // The list is kept until the index changes: building it walks every run (milliseconds at 10,000).
    const key = JSON.stringify([experimentIds ?? null, view]);
    const hit = this.listCache.get(key);
    if (hit && hit.generation === this.generation) return hit.runs;
    const out: IndexedRun[] = [];
    for (const e of entries) {
      for (const r of e.runs.values()) {
        const stage = r.run.info.lifecycleStage;
        if (view === 'ALL' || (view === 'ACTIVE_ONLY' ? stage === 'active' : stage === 'deleted')) out.push(r);
      }
    }
    this.listCache.delete(key);
    this.listCache.set(key, { generation: this.generation, runs: out });
    if (this.listCache.size > CACHED_LISTS) this.listCache.delete(this.listCache.keys().next().value!);
    return out;
  }

  /** One run, re-read if its files changed since; undefined when the store has no such run. */
  async get(runId: string): Promise<IndexedRun | undefined> {
    await this.warm();
    let found = this.byRunId.get(runId);
    if (!found) {
      // Perhaps made since the last look: re-list what changed.
      await this.syncExperimentList(false);
      for (const e of [...this.experiments.values()]) await this.syncExperiment(e);
      found = this.byRunId.get(runId);
      if (!found) return undefined;
    }
    if (this.changedSince(found.run, true)) this.reread(found.exp, runId);
    return this.byRunId.get(runId)?.run;
  }

  /** Re-reads one run now (after a write made through the server). */
  async reload(runId: string): Promise<void> {
    const found = this.byRunId.get(runId);
    if (found) this.reread(found.exp, runId);
  }

  /** Runs the background sweep now and waits for it (tests; `runlog ui` lets queries start it). */
  async sweepNow(): Promise<void> {
    await this.warm();
    await this.sweeping;
    this.lastSweep = 0;
    this.maybeSweep();
    await this.sweeping;
  }

  close(): void {
    this.closed = true;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
    for (const t of this.watchTimers.values()) clearTimeout(t);
    this.watchTimers.clear();
  }

  // ---- watching ----

  /** Watches `dir`; on a change, runs `refresh` in the background (debounced). */
  private watchDir(dir: string, refresh: () => Promise<void>): void {
    if (!this.watchEnabled || this.closed || this.watchers.has(dir)) return;
    const onChange = () => {
      if (this.closed || this.watchTimers.has(dir)) return;
      const timer = setTimeout(() => {
        this.watchTimers.delete(dir);
        if (this.closed) return;
        void refresh().catch((err: unknown) => debug('runlog ui: refresh after a change in %s failed: %s', dir, (err as Error).message));
      }, WATCH_DEBOUNCE_MS);
      timer.unref();
      this.watchTimers.set(dir, timer);
    };
    try {
      const watcher = watch(dir, { persistent: false }, onChange);
      watcher.on('error', () => this.unwatchDir(dir));
      this.watchers.set(dir, watcher);
    } catch (err) {
      // Out of watches (ENOSPC, EMFILE) or unsupported: the per-query checks still hold.
      debug('runlog ui: cannot watch %s: %s', dir, (err as Error).message);
    }
  }

  private unwatchDir(dir: string): void {
    this.watchers.get(dir)?.close();
    this.watchers.delete(dir);
  }

  // ---- internals ----

  private async syncExperimentList(force: boolean): Promise<void> {
    const trash = join(this.rootDir, '.trash');
    const newest = Math.max(mtimeOf(this.rootDir) ?? 0, mtimeOf(trash) ?? 0);
    if (!force && newest < this.rootListedAt - MTIME_SLACK_MS) return;
    const listedAt = Date.now();
    this.watchDir(this.rootDir, () => this.syncExperimentList(false));
    this.watchDir(trash, () => this.syncExperimentList(false));
    const found = new Map<string, string>();
    for (const parent of [this.rootDir, trash]) {
      let entries: import('node:fs').Dirent[] = [];
      try {
        entries = readdirSync(parent, { withFileTypes: true });
      } catch {
        // no such folder (yet)
      }
      for (const e of entries) {
        if (parent === this.rootDir && (NOT_EXPERIMENTS.has(e.name) || e.name.startsWith('.'))) continue;
        if (!e.isDirectory()) continue;
        // An id in both places: the active folder wins, as in the FileStore's lookups.
        if (!found.has(e.name)) found.set(e.name, join(parent, e.name));
      }
    }
    for (const [id, entry] of this.experiments) {
      if (found.get(id) !== entry.dir) this.dropExperiment(id);
    }
    const fresh: ExperimentEntry[] = [];
    for (const [id, dir] of found) {
      if (this.experiments.has(id)) continue;
      const entry: ExperimentEntry = { id, dir, runs: new Map(), listedAt: -Infinity };
      this.experiments.set(id, entry);
      this.watchDir(dir, () => this.syncExperiment(entry));
      fresh.push(entry);
    }
    for (const e of fresh) await this.syncExperiment(e);
    this.rootListedAt = listedAt;
  }

  private dropExperiment(id: string): void {
    const entry = this.experiments.get(id);
    if (!entry) return;
    for (const runId of entry.runs.keys()) this.byRunId.delete(runId);
    this.experiments.delete(id);
    this.unwatchDir(entry.dir);
    this.generation++;
  }

  private async syncExperiment(entry: ExperimentEntry): Promise<void> {
    while (entry.syncing) await entry.syncing;
    if (this.experiments.get(entry.id) !== entry) return;
    entry.syncing = this.listExperiment(entry).finally(() => {
      entry.syncing = undefined;
    });
    return entry.syncing;
  }

  private async listExperiment(entry: ExperimentEntry): Promise<void> {
    const m = mtimeOf(entry.dir);
    if (m === undefined) {
      this.dropExperiment(entry.id);
      return;
    }
    if (m < entry.listedAt - MTIME_SLACK_MS) return;
    const listedAt = Date.now();
    let names: string[] = [];
    try {
      names = readdirSync(entry.dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !RESERVED_EXPERIMENT_FOLDERS.has(e.name))
        .map((e) => e.name);
    } catch {
      // removed meanwhile: the next listing drops it
    }
    const present = new Set(names);
    for (const runId of entry.runs.keys()) {
      if (!present.has(runId)) {
        entry.runs.delete(runId);
        this.byRunId.delete(runId);
        this.generation++;
      }
    }
    // A folder without meta.yaml yet (a run being created) is looked at again on the next listing.
    let pending = false;
    await sliced(
      names.filter((n) => !entry.runs.has(n)),
      (runId) => {
        if (!this.reread(entry, runId)) pending = true;
      },
    );
    entry.listedAt = pending ? -Infinity : listedAt;
    // A run folder without its meta.yaml yet (being created): its meta.yaml lands inside the run
    // folder, which no watcher sees, so look again shortly (a few times, then queries will).
    if (pending && this.watchEnabled && !this.closed && (entry.retries = (entry.retries ?? 0) + 1) <= PENDING_RETRIES) {
      setTimeout(() => {
        if (!this.closed) void this.syncExperiment(entry).catch((err: unknown) => debug('runlog ui: %s', (err as Error).message));
      }, PENDING_RETRY_MS).unref();
    }
    if (!pending) entry.retries = 0;
  }

  /** Reads a run into the index; false when the folder is not (yet) a run. */
  private reread(entry: ExperimentEntry, runId: string): boolean {
    let run: IndexedRun | null;
    try {
      run = readIndexedRun(join(entry.dir, runId), entry.id, runId);
    } catch (err) {
      if (!(err instanceof CorruptStoreError)) throw err;
      // One damaged run never hides the others.
      debug('runlog ui: run folder %s is left out of the index: %s', join(entry.dir, runId), err.message);
      run = null;
    }
    const had = entry.runs.has(runId);
    if (run === null) {
      if (had) {
        entry.runs.delete(runId);
        this.byRunId.delete(runId);
        this.generation++;
      }
      return false;
    }
    entry.runs.set(runId, run);
    this.byRunId.set(runId, { exp: entry, run });
    this.generation++;
    return true;
  }

  /** Whether a run's files changed since it was read; `deep` also stats each metric file. */
  private changedSince(run: IndexedRun, deep: boolean): boolean {
    const since = run.readAt - MTIME_SLACK_MS;
    const paths = [run.dir, join(run.dir, 'meta.yaml'), join(run.dir, 'params'), join(run.dir, 'tags'), join(run.dir, 'metrics')];
    if (deep) {
      let keys: string[] = [];
      try {
        keys = readdirSync(join(run.dir, 'metrics'), { recursive: true }) as string[];
      } catch {
        // no metrics folder
      }
      for (const key of keys) paths.push(join(run.dir, 'metrics', key));
    }
    return paths.some((path, i) => {
      const t = mtimeOf(path);
      // meta.yaml or the folder gone: changed (the re-read drops the run).
      return t === undefined ? i < 2 : t >= since;
    });
  }

  private checkLive(entries: readonly ExperimentEntry[]): void {
    if (this.liveCache?.generation !== this.generation) {
      // All experiments' RUNNING runs, most recently started first, listed again only after a change.
      const all: Array<{ exp: ExperimentEntry; run: IndexedRun }> = [];
      for (const exp of this.experiments.values()) for (const run of exp.runs.values()) if (run.run.info.status === 'RUNNING') all.push({ exp, run });
      all.sort((a, b) => b.run.run.info.startTime - a.run.run.info.startTime);
      this.liveCache = { generation: this.generation, live: all };
    }
    const queried = new Set(entries);
    const live = this.liveCache.live.filter(({ exp }) => queried.has(exp)).slice(0, LIVE_CHECK_LIMIT);
    for (const { exp, run } of live) {
      // Another check of this query may have re-read it already.
      if (this.byRunId.get(run.run.info.runId)?.run === run && this.changedSince(run, true)) this.reread(exp, run.run.info.runId);
    }
  }

  private maybeSweep(): void {
    if (this.sweeping || this.closed || Date.now() - this.lastSweep < this.sweepIntervalMs) return;
    this.sweeping = this.sweep()
      .catch((err: unknown) => debug('runlog ui: index sweep failed: %s', (err as Error).message))
      .finally(() => {
        this.lastSweep = Date.now();
        this.sweeping = undefined;
      });
  }

  private async sweep(): Promise<void> {
    const all: Array<{ exp: ExperimentEntry; run: IndexedRun }> = [];
    for (const exp of this.experiments.values()) for (const run of exp.runs.values()) all.push({ exp, run });
    await sliced(all, ({ exp, run }) => {
      if (this.closed) return;
      if (this.changedSince(run, false)) this.reread(exp, run.run.info.runId);
    });
  }
}
