import { realFs, type AppenderFs } from '../../src/journal/segment-appender.js';

/**
 * The journal's real file calls, except that once `full` is set every write takes at most
 * `tornBytes` bytes of its buffer and then fails with ENOSPC, as a disk filling up mid-write does.
 */
export function fillableDisk(tornBytes = 7): { fs: AppenderFs; full: boolean; failures: number } {
  const state = { full: false, failures: 0, fs: undefined as unknown as AppenderFs };
  const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28 });
  state.fs = {
    ...realFs,
    write(fd, buf, off, len, pos, cb) {
      if (!state.full) return realFs.write(fd, buf, off, len, pos, cb);
      state.failures++;
      // The torn part reaches the file first, as it would on a real disk.
      realFs.write(fd, buf, off, Math.min(len, tornBytes), pos, () => cb(enospc(), 0));
    },
    writeSync(fd, buf, off, len, pos) {
      if (!state.full) return realFs.writeSync(fd, buf, off, len, pos);
      state.failures++;
      realFs.writeSync(fd, buf, off, Math.min(len, tornBytes), pos);
      throw enospc();
    },
  };
  return state;
}
