import { StoreWriteError } from '../errors.js';

/**
 * Errors of a disk that refuses writes for a while: full, over quota, read-only, failing. Writing
 * again later may succeed (space freed, disk remounted), so records that met one stay queued.
 */
const DISK_ERRNOS = new Map<string, string>([
  ['ENOSPC', 'no space left on device'],
  ['EDQUOT', 'disk quota exceeded'],
  ['EROFS', 'read-only file system'],
  ['EIO', 'input/output error'],
]);

/**
 * The StoreWriteError for a disk error met while writing `path` (Node's errors of writes through a
 * file handle carry no path), else `err` unchanged.
 */
export function asStoreWriteError(err: unknown, path: string): unknown {
  if (err instanceof StoreWriteError) return err;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const cause = errno === undefined ? undefined : DISK_ERRNOS.get(errno);
  if (errno === undefined || cause === undefined) return err;
  const at = (err as NodeJS.ErrnoException).path ?? path;
  return new StoreWriteError(errno, at, `The local store could not write ${at}: ${errno} (${cause}).`, { cause: err });
}
