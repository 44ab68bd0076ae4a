import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { realFs, SegmentAppender, type AppenderFs } from '../src/journal/segment-appender.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * The real file calls, except that asynchronous writes reach the disk only when `release()` is
 * called; it resolves once they have.
 */
function heldWrites(): { fs: AppenderFs; release: () => Promise<void>; held: number } {
  const pending: Array<() => Promise<void>> = [];
  const state = {
    held: 0,
    release: async () => {
      await Promise.all(pending.splice(0).map((go) => go()));
      state.held = 0;
    },
    fs: {
      ...realFs,
      write(fd, buf, off, len, pos, cb) {
        state.held++;
        pending.push(
          () =>
            new Promise<void>((landed) =>
              realFs.write(fd, buf, off, len, pos, (err, n) => {
                cb(err, n);
                landed();
              }),
            ),
        );
      },
    } as AppenderFs,
  };
  return state;
}

describe('SegmentAppender', () => {
  it('a drain() waiting on a write that an inline write took over resolves once everything is written', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'runlog-appender-test-')), 'seg');
    const fd = openSync(path, 'w+');
    const disk = heldWrites();
    const appender = new SegmentAppender({ fsync: 'commit', fsyncIntervalMs: 1000, fs: disk.fs, onFail: (err) => assert.fail(err) });
    try {
      const written: string[] = [];
      appender.enqueue({ fd, offset: 0, buf: Buffer.from('first\n'), written: () => written.push('first') });
      assert.equal(disk.held, 1, 'the first write is in flight');
      let drained = false;
      const draining = appender.drain().then(() => (drained = true));
      await turn();
      assert.equal(drained, false, 'a write is still in flight');
      // A spilled queue writes on the calling thread: the op in flight is written again here, first.
      appender.enqueue({ fd, offset: 6, buf: Buffer.from('second\n'), written: () => written.push('second') }, true);
      assert.deepEqual(written, ['first', 'second']);
      assert.equal(readFileSync(path, 'utf8'), 'first\nsecond\n');
      await turn();
      assert.equal(drained, true, 'drain() resolved: nothing is queued or in flight');
      await draining;
      // The overtaken asynchronous write lands late, at the same offset with the same bytes.
      await disk.release();
      assert.equal(readFileSync(path, 'utf8'), 'first\nsecond\n');
      assert.equal(appender.idle, true);
    } finally {
      appender.finishSync();
      closeSync(fd);
    }
  });
});
