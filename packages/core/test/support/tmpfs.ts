import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A small tmpfs mounted for a test: a real disk that fills up (ENOSPC) or turns read-only (EROFS). */
export interface SmallDisk {
  dir: string;
  remount(options: string): Promise<void>;
  unmount(): Promise<void>;
}

/**
 * Mounts a tmpfs of `size` (e.g. '8m'); needs root (or CAP_SYS_ADMIN). Resolves the reason when
 * mounting is not permitted here, so the caller can skip with it.
 */
export async function mountSmallDisk(size: string): Promise<SmallDisk | string> {
  const dir = await mkdtemp(join(tmpdir(), 'runlog-small-disk-'));
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${(err as Error).message.split('\n')[0]}); needs root`;
  }
  return {
    dir,
    remount: async (options) => void (await run('mount', ['-o', `remount,${options}`, dir])),
    unmount: async () => {
      await run('umount', [dir]).catch(() => run('umount', ['-l', dir]));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Skip option for a suite that needs a tmpfs: skipped where mounting is refused, except under CI=true. */
export function diskSkip(disk: SmallDisk | string): string | false {
  if (typeof disk !== 'string') return false;
  return process.env.CI === 'true' ? false : disk;
}
