import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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
 * stays at the stream's buffers whatever the size. Resolves null on success, or which side failed;
 * the temp file is removed on failure.
 */
export async function saveStreamAtomically(source: Readable, dest: string): Promise<SaveFailure | null> {
  const dir = dirname(dest);
  const tmp = join(dir, `${DOWNLOAD_TEMP_PREFIX}${basename(dest)}.${randomBytes(6).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    source.destroy();
    return { side: 'disk', error: err as Error };
  }
  const sink = createWriteStream(tmp, { flags: 'wx' });
  // pipeline() destroys both streams with the first error, so the side that failed is the one
  // that emitted first: the network body (retry) or the file (a full disk: do not retry).
  let first: SaveFailure['side'] | undefined;
  source.once('error', () => (first ??= 'source'));
  sink.once('error', () => (first ??= 'disk'));
  let failure: SaveFailure | null = null;
  try {
    await pipeline(source, sink);
  } catch (err) {
    failure = { side: first ?? 'source', error: err as Error };
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
