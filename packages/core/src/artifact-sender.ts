import { stat } from 'node:fs/promises';
import { basename, join, posix } from 'node:path';
import PQueue from 'p-queue';
import { stringify as toYaml } from 'yaml';
import { listArtifactFolder, refuseReservedArtifactName } from './artifact-folder.js';
import { InvalidArgumentError } from './errors.js';
import type { OfflineArtifacts } from './journal/offline-artifacts.js';
import type { TrackingStore } from './store.js';
import { validateArtifactPath } from './validation.js';

/** Files of one logArtifacts call uploaded at once. */
const ARTIFACT_UPLOAD_CONCURRENCY = 4;

export interface ArtifactSenderDeps {
  store: TrackingStore;
  /** With a journal: where artifacts go while the server is away. */
  offlineArtifacts: OfflineArtifacts | undefined;
  /** Background problems (a skipped symlink). */
  onError: (err: Error) => void;
  /** Throws ClosedError once the client is closed. */
  checkOpen: () => void;
}

/**
 * RunlogClient's artifact logging: validates names, uploads files, folders and bytes directly or
 * (journaled client, server away) stages them in the journal, and tracks each run's uploads in
 * flight so that endRun and reads wait for them.
 */
export class ArtifactSender {
  private readonly pending = new Map<string, Set<Promise<unknown>>>();

  constructor(private readonly deps: ArtifactSenderDeps) {}

  /** Uploads a file to `<artifact root>/<artifactPath>/<file name>`. */
  logArtifact(runId: string, localPath: string, artifactPath?: string): Promise<void> {
    return this.track(runId, async () => {
      const dir = validateArtifactPath(artifactPath);
      refuseReservedArtifactName(basename(localPath));
      await this.sendArtifact(
        runId,
        () => this.deps.store.logArtifact(runId, localPath, dir),
        async (s) => {
          if (!(await stat(localPath)).isFile()) throw new InvalidArgumentError(`${localPath} is not a file.`);
          await s.stageFiles(runId, dir, [{ src: localPath, rel: basename(localPath) }]);
        },
      );
    });
  }

  /** Uploads a directory's contents (recursively) under `artifactPath`. */
  logArtifacts(runId: string, localDir: string, artifactPath?: string): Promise<void> {
    return this.track(runId, async () => {
      const base = validateArtifactPath(artifactPath);
      const info = await stat(localDir);
      if (!info.isDirectory()) throw new InvalidArgumentError(`${localDir} is not a directory.`);
      const { files, skipped } = await listArtifactFolder(localDir);
      // Every name is checked before any upload starts: a refused name uploads nothing.
      for (const rel of files) refuseReservedArtifactName(rel);
      for (const s of skipped) {
        this.deps.onError(new InvalidArgumentError(`logArtifacts(${JSON.stringify(localDir)}) skipped ${JSON.stringify(s.path)}: ${s.reason}.`));
      }
      await this.sendArtifact(
        runId,
        () => this.uploadFolder(runId, localDir, base, files),
        (s) => s.stageFiles(runId, base, files.map((rel) => ({ src: join(localDir, rel), rel }))),
      );
    });
  }

  /**
   * Uploads a folder's files a few at a time: each streams its file, so memory stays bounded by the
   * concurrency. After a failure no new upload starts; the call rejects with the first error.
   */
  private async uploadFolder(runId: string, localDir: string, base: string, files: string[]): Promise<void> {
    const queue = new PQueue({ concurrency: ARTIFACT_UPLOAD_CONCURRENCY });
    let failure: { error: unknown } | undefined;
    await Promise.all(
      files.map((rel) =>
        queue.add(async () => {
          if (failure) return;
          const relDir = posix.dirname(rel) === '.' ? '' : posix.dirname(rel);
          try {
            await this.deps.store.logArtifact(runId, join(localDir, rel), [base, relDir].filter(Boolean).join('/'));
          } catch (error) {
            failure ??= { error };
          }
        }),
      ),
    );
    if (failure) throw failure.error;
  }

  /** Writes `text` (UTF-8) as the artifact file `artifactFile`, e.g. 'notes/summary.txt'. */
  logText(runId: string, text: string, artifactFile: string): Promise<void> {
    return this.track(runId, async () => {
      const target = requireFileName(artifactFile);
      refuseReservedArtifactName(target);
      const bytes = Buffer.from(text, 'utf8');
      await this.sendArtifact(
        runId,
        () => this.deps.store.putArtifact(runId, target, bytes),
        (s) => s.stageBytes(runId, target, bytes),
      );
    });
  }

  /** Writes `value` as JSON, or YAML when `artifactFile` ends in .yaml/.yml. */
  logDict(runId: string, value: unknown, artifactFile: string): Promise<void> {
    const yaml = /\.ya?ml$/i.test(artifactFile);
    const text = yaml ? toYaml(value) : JSON.stringify(value, null, 2);
    return this.logText(runId, text, artifactFile);
  }

  /** Direct upload, or (journaled client, server away) staging in the journal. */
  private sendArtifact(runId: string, direct: () => Promise<void>, stage: Parameters<OfflineArtifacts['send']>[2]): Promise<void> {
    const offline = this.deps.offlineArtifacts;
    return offline ? offline.send(runId, direct, stage) : direct();
  }

  /** Uploads of the run still in flight. */
  inFlight(runId: string): number {
    return this.pending.get(runId)?.size ?? 0;
  }

  /** Runs an upload for the run and counts it in flight until it settles (ClosedError once closed). */
  track(runId: string, fn: () => Promise<void>): Promise<void> {
    this.deps.checkOpen();
    const p = fn();
    let set = this.pending.get(runId);
    if (set === undefined) {
      set = new Set();
      this.pending.set(runId, set);
    }
    const entry = p.catch(() => undefined);
    set.add(entry);
    void entry.then(() => set.delete(entry));
    return p;
  }

  /** Waits for the run's artifact uploads; false if `timeoutMs` passed first. */
  async wait(runId: string, timeoutMs = Infinity): Promise<boolean> {
    const set = this.pending.get(runId);
    if (!set || set.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<boolean>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([Promise.all([...set]).then(() => true), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function requireFileName(artifactFile: string): string {
  const target = validateArtifactPath(artifactFile);
  if (!target) throw new InvalidArgumentError('An artifact file name is required.');
  return target;
}
