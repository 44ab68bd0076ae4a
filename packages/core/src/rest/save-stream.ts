import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * Name prefix of a download in progress: the bytes go to `<dir>/<prefix><file>.<random>` and are
 * renamed onto `<dir>/<file>` once complete, so a crash or a broken connection never leaves half a
 * file under the artifact's own name. Artifact names starting with it are refused.
 */
export const DOWNLOAD_TEMP_PREFIX = '.runlog-download.';

/** Where a save failed: reading from the network (worth retrying) or writing to disk (not). */
export type SaveFailure = { side: 'source' | 'disk'; error: Error };

/**
 * Streams `source` into `dest` through a temp file beside it and renames it into place. Memory
 * stays at one chunk whatever the size: each chunk is written before the next is read. Resolves
 * null on success, or which side failed (the source's reads and the file's writes are awaited
 * apart, so the side is known exactly); the temp file is removed on failure.
 */
export async function saveStreamAtomically(source: Readable, dest: string): Promise<SaveFailure | null> {
  const tmp = join(dirname(dest), `${DOWNLOAD_TEMP_PREFIX}${basename(dest)}.${randomBytes(6).toString('hex')}`);
  let handle: FileHandle;
  try {
    await mkdir(dirname(dest), { recursive: true });
    handle = await open(tmp, 'wx');
  } catch (err) {
    discard(source);
    return { side: 'disk', error: err as Error };
  }
  let failure: SaveFailure | null = null;
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      let next: IteratorResult<Buffer>;
      try {
        next = await chunks.next();
      } catch (err) {
        failure = { side: 'source', error: err as Error };
        break;
      }
      if (next.done) break;
      try {
        await writeAll(handle, next.value);
      } catch (err) {
        failure = { side: 'disk', error: err as Error };
        discard(source);
        break;
      }
    }
  } finally {
    await handle.close().catch((err: Error) => (failure ??= { side: 'disk', error: err }));
  }
  if (!failure) {
    try {
      await rename(tmp, dest);
      return null;
    } catch (err) {
      failure = { side: 'disk', error: err as Error };
    }
  }
  await unlink(tmp).catch(() => undefined);
  return failure;
}

async function writeAll(handle: FileHandle, chunk: Buffer): Promise<void> {
  for (let offset = 0; offset < chunk.length; ) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}

/** Stops reading a response body; the abort it reports is expected, not an uncaught error. */
function discard(source: Readable): void {
  source.on('error', () => undefined);
  source.destroy();
}
