import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { FileInfo } from '../entities.js';
import { InvalidArgumentError, NotFoundError } from '../errors.js';
import { validateArtifactPath } from '../validation.js';
import { compareCodePoints } from '../py/yaml-resolver.js';

/**
 * MLflow 3.18's LocalArtifactRepository writes each artifact to a hidden temp file beside it and
 * renames it into place, so readers never see half a file; listings skip these names.
 */
const TEMP_PREFIX = '.artifact.uploading.';

/** Python's `urllib.parse.unquote`: %XX sequences decoded as UTF-8, anything else left alone. */
function unquote(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'));
}

/**
 * The local directory of a `file:` URI or a plain path, as MLflow's `local_file_uri_to_path`
 * reads it (percent-decoded, host ignored); null for any other scheme.
 */
export function localPathFromUri(uri: string): string | null {
  if (uri.startsWith('file:')) {
    let path = uri.slice('file:'.length).replace(/[?#].*$/, '');
    if (path.startsWith('//')) {
      const slash = path.indexOf('/', 2);
      path = slash === -1 ? '/' : path.slice(slash);
    }
    return resolve(unquote(path) || '/');
  }
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(uri) && !/^[a-zA-Z]:[\\/]/.test(uri)) return null;
  return resolve(unquote(uri));
}

/** Python's `pathlib.Path(abs).as_uri()`: `file://` plus the path, percent-encoded except `A-Za-z0-9_.-~/`. */
export function pathToFileUri(path: string): string {
  const abs = resolve(path).split(sep).join('/');
  let out = '';
  for (const byte of Buffer.from(abs, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~/]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return `file://${out}`;
}

/** Artifacts under a local directory (a `file:` artifact root), with MLflow's local-repository semantics. */
export class FileArtifacts {
  constructor(readonly rootDir: string) {}

  /** The repository for a `file:` URI or a plain path; null for remote schemes (s3:, mlflow-artifacts:, ...). */
  static forUri(uri: string): FileArtifacts | null {
    const dir = localPathFromUri(uri);
    return dir === null ? null : new FileArtifacts(dir);
  }

  /** The absolute local path of a relative artifact path; rejects `..`, absolute paths and NUL. */
  resolve(relPath: string): string {
    const rel = validateArtifactPath(relPath);
    const abs = rel ? join(this.rootDir, ...rel.split('/')) : this.rootDir;
    const back = relative(this.rootDir, abs);
    if (back.startsWith('..') || isAbsolute(back)) {
      throw new InvalidArgumentError(`Invalid artifact path ${JSON.stringify(relPath)}: it leaves the artifact root.`);
    }
    return abs;
  }

  /** Copies a local file to `target` (a relative path with the file name), keeping its mode and times. */
  async copyIn(localFile: string, target: string): Promise<void> {
    const dest = this.destination(target);
    const src = await stat(localFile).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new NotFoundError(`Local file ${localFile} does not exist.`, { cause: err });
      throw err;
    });
    const existing = await stat(dest).catch(() => undefined);
    if (existing && existing.ino === src.ino && existing.dev === src.dev) return;
    await this.publish(dest, async (tmp) => {
      await copyFile(localFile, tmp);
      await utimes(tmp, src.atime, src.mtime);
    });
  }

  /** Writes bytes to `target` (a relative path with the file name). */
  async write(target: string, bytes: Uint8Array): Promise<void> {
    await this.publish(this.destination(target), (tmp) => writeFile(tmp, bytes));
  }

  /**
   * The entries directly under `relPath`, paths relative to the root with '/', sorted; `fileSize`
   * only for files. A file path or a missing path lists as empty, as in MLflow.
   */
  async list(relPath: string): Promise<FileInfo[]> {
    const rel = validateArtifactPath(relPath);
    const dir = this.resolve(rel);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return [];
      throw err;
    }
    const infos: FileInfo[] = [];
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) continue;
      const st = await stat(join(dir, name)).catch(() => undefined);
      if (!st) continue;
      const path = rel ? `${rel}/${name}` : name;
      infos.push(st.isDirectory() ? { path, isDir: true } : { path, isDir: false, fileSize: st.size });
    }
    return infos.sort((a, b) => compareCodePoints(a.path, b.path));
  }

  /**
   * Copies the file or directory tree at `relPath` into `dstDir` (keeping its relative path) and
   * returns the local path. The root (`''`) copies everything into `dstDir` itself.
   */
  async download(relPath: string, dstDir: string): Promise<string> {
    const rel = validateArtifactPath(relPath);
    const src = this.resolve(rel);
    const dest = rel ? join(resolve(dstDir), ...rel.split('/')) : resolve(dstDir);
    const st = await stat(src).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      if (!rel) return undefined;
      throw new NotFoundError(`No such artifact: '${rel}'`, { cause: err });
    });
    if (!st) {
      await mkdir(dest, { recursive: true });
      return dest;
    }
    if (st.isDirectory()) await copyTree(src, dest);
    else {
      await mkdir(dirname(dest), { recursive: true });
      await copyFile(src, dest);
    }
    return dest;
  }

  private destination(target: string): string {
    const rel = validateArtifactPath(target);
    if (!rel) throw new InvalidArgumentError('An artifact file name is required.');
    if (basename(rel).startsWith(TEMP_PREFIX)) {
      throw new InvalidArgumentError(`Invalid artifact file name '${rel}': names starting with '${TEMP_PREFIX}' are reserved.`);
    }
    return this.resolve(rel);
  }

  private async publish(dest: string, fill: (tmp: string) => Promise<void>): Promise<void> {
    await mkdir(dirname(dest), { recursive: true });
    const tmp = join(dirname(dest), TEMP_PREFIX + randomBytes(6).toString('hex'));
    try {
      await fill(tmp);
      await rename(tmp, dest);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
  }
}

async function copyTree(src: string, dest: string): Promise<void> {
  await mkdir(dest, { recursive: true });
  for (const entry of await readdir(src, { withFileTypes: true })) {
    if (entry.name.startsWith(TEMP_PREFIX)) continue;
    const from = join(src, entry.name);
    const to = join(dest, entry.name);
    const isDir = entry.isDirectory() || (entry.isSymbolicLink() && (await stat(from)).isDirectory());
    if (isDir) await copyTree(from, to);
    else await copyFile(from, to);
  }
}
