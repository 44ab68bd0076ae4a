import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { asStoreWriteError } from './disk-errors.js';
import { isNotFound } from './file-store-layout.js';
import { warnOnce } from './store-warnings.js';

const NEWLINE = 0x0a;
const SCAN_BLOCK_BYTES = 64 * 1024;
/** Errors of link() on file systems without hard links: the new file is renamed into place instead. */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);

/**
 * Appends `text` (complete lines, each ending in '\n') to a metric file so that the file holds
 * complete lines only, each written once:
 *
 * - A file that does not exist yet is written whole to a temp file in `tmpDir` and linked into
 *   place: a process killed while creating it never leaves an empty metric file, which MLflow
 *   reads as "malformed. No data found" and which would fail the whole experiment there.
 * - An append that fails part-way (ENOSPC after some bytes went in) is cut back to the exact
 *   length the file had before it, before the error is thrown, so the retry writes each line once.
 *   If even the cut fails, `cuts` remembers the length and the next append cuts first.
 * - A file that does not end in '\n' (a line torn by a crash mid-write) is cut back to its last
 *   complete line before anything is appended, with one warning.
 *
 * One writer per file at a time is assumed (the uploader appends a run's batches one by one).
 * Disk errors reject as StoreWriteError naming the file.
 */
export async function appendLines(file: string, text: string, tmpDir: string, cuts: Map<string, number>): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDWR | constants.O_APPEND);
  } catch (err) {
    if (!isNotFound(err)) throw asStoreWriteError(err, file);
    if (await createWhole(file, bytes, tmpDir)) return;
    // Created by another writer meanwhile: append to it.
    fh = await open(file, constants.O_RDWR | constants.O_APPEND).catch((e: unknown) => Promise.reject(asStoreWriteError(e, file)));
  }
  try {
    const start = await cleanEnd(fh, file, cuts);
    try {
      await writeAll(fh, bytes);
    } catch (err) {
      await fh.truncate(start).catch(() => cuts.set(file, start));
      throw err;
    }
  } catch (err) {
    throw asStoreWriteError(err, file);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Cuts the file back to where a failed append began, or to its last complete line; returns its length. */
async function cleanEnd(fh: FileHandle, file: string, cuts: Map<string, number>): Promise<number> {
  const size = (await fh.stat()).size;
  const cut = cuts.get(file);
  if (cut !== undefined) {
    if (cut < size) await fh.truncate(cut);
    cuts.delete(file);
    return Math.min(cut, size);
  }
  if (size === 0) return 0;
  const complete = await completeLength(fh, size);
  if (complete < size) {
    await fh.truncate(complete);
    warnOnce(
      'RUNLOG_TORN_LINE_REPAIRED',
      file,
      `runlog: ${file} ended in a torn line (a process was stopped mid-write); cut back to its last complete line.`,
    );
  }
  return complete;
}

/** The length of the file up to and including its last '\n' (0 if none). */
async function completeLength(fh: FileHandle, size: number): Promise<number> {
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  if (last[0] === NEWLINE) return size;
  const block = Buffer.alloc(Math.min(SCAN_BLOCK_BYTES, size));
  let end = size;
  while (end > 0) {
    const len = Math.min(block.length, end);
    const pos = end - len;
    const { bytesRead } = await fh.read(block, 0, len, pos);
    const i = block.subarray(0, bytesRead).lastIndexOf(NEWLINE);
    if (i >= 0) return pos + i + 1;
    end = pos;
  }
  return 0;
}

async function writeAll(fh: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

/** Creates `file` with `bytes` in one step; false if it already exists. */
async function createWhole(file: string, bytes: Buffer, tmpDir: string): Promise<boolean> {
  const tmp = join(tmpDir, `.runlog-${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, bytes);
    for (let attempt = 0; ; attempt++) {
      try {
        await link(tmp, file);
        return true;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (code === 'EEXIST') return false;
        if (code === 'ENOENT' && attempt === 0) {
          await mkdir(dirname(file), { recursive: true });
          continue;
        }
        if (!NO_HARD_LINKS.has(code)) throw err;
        await rename(tmp, file);
        return true;
      }
    }
  } catch (err) {
    throw asStoreWriteError(err, file);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}
