import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { debug } from '../debug.js';
import { listFilesRecursive } from '../fs-walk.js';
import { writeFileAtomic } from '../stores/file-store-layout.js';

type Env = Record<string, string | undefined>;

/** What an earlier publish of one local run sent, and where. */
export interface PublishMark {
  serverId: string;
  serverExperimentId: string;
  /** runFingerprint() of the local run when it was read for that publish. */
  fingerprint: string;
}

interface MarksFile {
  version: 1;
  target: string;
  runs: Record<string, PublishMark>;
}

/**
 * Where `runlog sync --from` keeps its progress marks: `$XDG_STATE_HOME/runlog/publish-marks`
 * (default `~/.local/state/runlog/publish-marks`), one file per target server.
 */
export function defaultPublishMarksDir(env: Env = process.env): string {
  const state = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'runlog', 'publish-marks');
}

/**
 * Progress marks of publishing local runs to one target: local run id → the published run and the
 * fingerprint of the local files it was published from. A run whose files have not changed since
 * is not read or sent again. The file is rewritten whole through a temp file and a rename after
 * each published run, so a crash loses at most the mark of the run in flight (which is then
 * checked against the target again, as without marks). Two publishes to the same target at once
 * may overwrite each other's marks: the cost is a re-check, never a wrong skip of changed data.
 */
export class PublishMarks {
  private constructor(
    private readonly file: string,
    private readonly data: MarksFile,
  ) {}

  static async open(dir: string, target: string): Promise<PublishMarks> {
    const file = join(dir, `${createHash('sha256').update(target).digest('hex').slice(0, 24)}.json`);
    let data: MarksFile = { version: 1, target, runs: {} };
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as MarksFile;
      if (parsed?.version === 1 && parsed.target === target && typeof parsed.runs === 'object' && parsed.runs !== null) data = parsed;
    } catch (err) {
      // Missing or unreadable marks only cost a full check against the target.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') debug('publish marks %s unreadable, ignored: %s', file, (err as Error).message);
    }
    return new PublishMarks(file, data);
  }

  get path(): string {
    return this.file;
  }

  get(localId: string): PublishMark | undefined {
    const m = this.data.runs[localId];
    return m && typeof m.fingerprint === 'string' && typeof m.serverId === 'string' ? m : undefined;
  }

  async set(localId: string, mark: PublishMark): Promise<void> {
    this.data.runs[localId] = mark;
    await mkdir(join(this.file, '..'), { recursive: true });
    await writeFileAtomic(this.file, JSON.stringify(this.data));
  }

  async delete(localId: string): Promise<void> {
    if (!(localId in this.data.runs)) return;
    delete this.data.runs[localId];
    await writeFileAtomic(this.file, JSON.stringify(this.data));
  }
}

/**
 * A fingerprint of everything publishing reads from a local run: the path, size and modification
 * time of every file under its run directory (meta.yaml, metrics, params, tags, artifacts) and
 * under its artifact directory when that lies elsewhere. Only stats, no reads: cheap next to
 * reading every metric history. Any logged point, changed tag or new artifact changes it.
 */
export async function runFingerprint(runDir: string, artifactDir: string | null): Promise<string> {
  const hash = createHash('sha256');
  const dirs = [runDir];
  if (artifactDir !== null && relative(runDir, artifactDir).startsWith('..')) dirs.push(artifactDir);
  for (const dir of dirs) {
    hash.update(`${dir}\n`);
    const files = (await listFilesRecursive(dir)).sort();
    for (const rel of files) {
      const s = await stat(join(dir, ...rel.split('/'))).catch(() => null);
      hash.update(`${rel.split(sep).join('/')}\t${s?.size ?? -1}\t${s?.mtimeMs ?? -1}\n`);
    }
  }
  return hash.digest('hex');
}
