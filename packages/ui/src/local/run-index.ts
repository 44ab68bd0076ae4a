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
 * Writes made through the ui server call `reload(runId)` at once.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Run, ViewType } from '@runlog/core';
import { CorruptStoreError } from '@runlog/core';
import { debug } from '@runlog/core/internal';
import { readIndexedRun, type IndexedRun } from './run-reader.js';

/** Runs read at once during a scan (each reads its files in parallel too). */
const SCAN_CONCURRENCY = 24;
/** A file modified less than this before a run was read may have been missed: read it again. */
const MTIME_SLACK_MS = 1000;
/** RUNNING runs checked per query, most recently started first; the sweep covers the rest. */
const LIVE_CHECK_LIMIT = 100;
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models']);
const NOT_EXPERIMENTS = new Set(['.trash', 'models']);

interface ExperimentEntry {
  id: string;
  dir: string;
  /** Runs by id. */
  runs: Map<string, IndexedRun>;
  /** Date.now() before the folder was last listed. */
  listedAt: number;
}

export interface RunIndexOptions {
  /** How often at most the background sweep re-checks every run (default 15 s). */
  sweepIntervalMs?: number;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then((s) => s.mtimeMs, () => undefined);
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export class RunIndex {
  private readonly experiments = new Map<string, ExperimentEntry>();
  private readonly byRunId = new Map<string, { exp: ExperimentEntry; run: IndexedRun }>();
  private rootListedAt = -Infinity;
  private ready: Promise<void> | undefined;
  private sweeping: Promise<void> | undefined;
  private lastSweep = 0;
  private readonly sweepIntervalMs: number;
  private closed = false;
  /** Bumped on every change, so cached search results know they are stale. */
  generation = 0;

  constructor(
    readonly rootDir: string,
    opts: RunIndexOptions = {},
  ) {
    this.sweepIntervalMs = opts.sweepIntervalMs ?? 15_000;
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
   * Cheap when nothing changed.
   */
  async runsOf(experimentIds: readonly string[] | undefined, view: ViewType): Promise<IndexedRun[]> {
    await this.warm();
    await this.syncExperimentList(false);
    const entries = experimentIds === undefined ? [...this.experiments.values()] : experimentIds.map((id) => this.experiments.get(id)).filter((e) => e !== undefined);
    await Promise.all(entries.map((e) => this.syncExperiment(e)));
    await this.checkLive(entries);
    this.maybeSweep();
    const out: IndexedRun[] = [];
    for (const e of entries) {
      for (const r of e.runs.values()) {
        const stage = r.run.info.lifecycleStage;
        if (view === 'ALL' || (view === 'ACTIVE_ONLY' ? stage === 'active' : stage === 'deleted')) out.push(r);
      }
    }
    return out;
  }

  /** One run, re-read if its files changed since; undefined when the store has no such run. */
  async get(runId: string): Promise<IndexedRun | undefined> {
    await this.warm();
    let found = this.byRunId.get(runId);
    if (!found) {
      // Perhaps made since the last look: re-list what changed.
      await this.syncExperimentList(false);
      await Promise.all([...this.experiments.values()].map((e) => this.syncExperiment(e)));
      found = this.byRunId.get(runId);
      if (!found) return undefined;
    }
    if (await this.changedSince(found.run, true)) await this.reread(found.exp, runId);
    return this.byRunId.get(runId)?.run;
  }

  /** Re-reads one run now (after a write made through the server). */
  async reload(runId: string): Promise<void> {
    const found = this.byRunId.get(runId);
    if (found) await this.reread(found.exp, runId);
  }

  /** The experiment folders known (id → folder), for lookups by the artifact proxy. */
  experimentDir(experimentId: string): string | undefined {
    return this.experiments.get(experimentId)?.dir;
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
  }

  // ---- internals ----

  private async syncExperimentList(force: boolean): Promise<void> {
    const trash = join(this.rootDir, '.trash');
    const [rootM, trashM] = await Promise.all([mtimeOf(this.rootDir), mtimeOf(trash)]);
    const newest = Math.max(rootM ?? 0, trashM ?? 0);
    if (!force && newest < this.rootListedAt - MTIME_SLACK_MS) return;
    const listedAt = Date.now();
    const found = new Map<string, string>();
    for (const parent of [this.rootDir, trash]) {
      const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
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
      fresh.push(entry);
    }
    await Promise.all(fresh.map((e) => this.syncExperiment(e)));
    this.rootListedAt = listedAt;
  }

  private dropExperiment(id: string): void {
    const entry = this.experiments.get(id);
    if (!entry) return;
    for (const runId of entry.runs.keys()) this.byRunId.delete(runId);
    this.experiments.delete(id);
    this.generation++;
  }

  private async syncExperiment(entry: ExperimentEntry): Promise<void> {
    const m = await mtimeOf(entry.dir);
    if (m === undefined) {
      this.dropExperiment(entry.id);
      return;
    }
    if (m < entry.listedAt - MTIME_SLACK_MS) return;
    const listedAt = Date.now();
    const names = await readdir(entry.dir, { withFileTypes: true }).then(
      (es) => es.filter((e) => e.isDirectory() && !RESERVED_EXPERIMENT_FOLDERS.has(e.name)).map((e) => e.name),
      () => [] as string[],
    );
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
    await mapLimit(
      names.filter((n) => !entry.runs.has(n)),
      SCAN_CONCURRENCY,
      async (runId) => {
        if (!(await this.reread(entry, runId))) pending = true;
      },
    );
    entry.listedAt = pending ? -Infinity : listedAt;
  }

  /** Reads a run into the index; false when the folder is not (yet) a run. */
  private async reread(entry: ExperimentEntry, runId: string): Promise<boolean> {
    let run: IndexedRun | null;
    try {
      run = await readIndexedRun(join(entry.dir, runId), entry.id, runId);
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
  private async changedSince(run: IndexedRun, deep: boolean): Promise<boolean> {
    const since = run.readAt - MTIME_SLACK_MS;
    const paths = [run.dir, join(run.dir, 'meta.yaml'), join(run.dir, 'params'), join(run.dir, 'tags'), join(run.dir, 'metrics')];
    if (deep) {
      const keys = await readdir(join(run.dir, 'metrics'), { recursive: true }).catch(() => [] as string[]);
      for (const key of keys) paths.push(join(run.dir, 'metrics', key));
    }
    const times = await Promise.all(paths.map(mtimeOf));
    return times.some((t, i) => (t === undefined ? i < 2 : t >= since));
  }

  private async checkLive(entries: readonly ExperimentEntry[]): Promise<void> {
    const live: Array<{ exp: ExperimentEntry; run: IndexedRun }> = [];
    for (const exp of entries) for (const run of exp.runs.values()) if (run.run.info.status === 'RUNNING') live.push({ exp, run });
    live.sort((a, b) => b.run.run.info.startTime - a.run.run.info.startTime);
    await Promise.all(
      live.slice(0, LIVE_CHECK_LIMIT).map(async ({ exp, run }) => {
        if (await this.changedSince(run, true)) await this.reread(exp, run.run.info.runId);
      }),
    );
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
    await mapLimit(all, SCAN_CONCURRENCY, async ({ exp, run }) => {
      if (this.closed) return;
      if (await this.changedSince(run, false)) await this.reread(exp, run.run.info.runId);
    });
  }
}

/** The runs of index entries, in the same order. */
export function runsOf(entries: readonly IndexedRun[]): Run[] {
  return entries.map((e) => e.run);
}
