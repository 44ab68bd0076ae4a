import * as nodeFs from 'node:fs';
import { realClock, type Clock, type ClockTimer } from '../clock.js';
import { debug } from '../debug.js';

/** The file calls the appender makes: the seam where tests inject a failing disk. */
export interface AppenderFs {
  write(fd: number, buf: Buffer, off: number, len: number, pos: number, cb: (err: NodeJS.ErrnoException | null, written: number) => void): void;
  writeSync(fd: number, buf: Buffer, off: number, len: number, pos: number): number;
  fsync(fd: number, cb: (err: NodeJS.ErrnoException | null) => void): void;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, len: number): void;
  closeSync(fd: number): void;
}

export const realFs: AppenderFs = {
  write: (fd, buf, off, len, pos, cb) => nodeFs.write(fd, buf, off, len, pos, cb),
  writeSync: (fd, buf, off, len, pos) => nodeFs.writeSync(fd, buf, off, len, pos),
  fsync: (fd, cb) => nodeFs.fsync(fd, cb),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  ftruncateSync: (fd, len) => nodeFs.ftruncateSync(fd, len),
  closeSync: (fd) => nodeFs.closeSync(fd),
};

/** One group of frames, at the file offset reserved for it when it was encoded. */
export interface AppendOp {
  fd: number;
  offset: number;
  buf: Buffer;
  /** Close the file once this op (the segment's last) is written and forced to disk. */
  closeAfter?: boolean;
  /** Called once every byte of the op is in the file (and forced to disk in 'commit' mode). */
  written: () => void;
}

export interface SegmentAppenderOptions {
  /** 'commit': fsync after every op; 'interval': at most every fsyncIntervalMs, and on sync(). */
  fsync: 'interval' | 'commit';
  fsyncIntervalMs: number;
  fs: AppenderFs;
  /** Time for the interval fsync's timer (unref'd). Default: the real clock. */
  clock?: Clock | undefined;
  /** The first failure, after the file was cut back to the failed op's offset. Ops after it are not written. */
  onFail: (err: Error) => void;
}

/**
 * Writes journal groups off the logging thread: each op goes to the file with a positional
 * asynchronous write (in libuv's thread pool), one at a time and in order, so the caller only
 * encodes. An op counts as written only when all of its bytes are: a short or failed write (a full
 * disk) cuts the file back to the op's offset, so no torn frame is left behind and nothing after
 * it is written. Positional writes make the synchronous path at exit exact too: an op still in
 * flight is written again, byte for byte, at the same place.
 */
export class SegmentAppender {
  private readonly queue: AppendOp[] = [];
  private inflight: AppendOp | undefined;
  private failure: Error | undefined;
  private idleWaiters: Array<() => void> = [];
  /** The file written since its last fsync (interval mode). */
  private dirtyFd: number | undefined;
  private fsyncTimer: ClockTimer | undefined;
  private stopped = false;
  /** A write still in the thread pool when finishSync() ran: its file is closed when it returns. */
  private lateFd: number | undefined;

  private readonly clock: Clock;

  constructor(private readonly opts: SegmentAppenderOptions) {
    this.clock = opts.clock ?? realClock;
  }

  get failed(): Error | undefined {
    return this.failure;
  }

  /** Nothing queued or in flight. */
  get idle(): boolean {
    return this.inflight === undefined && this.queue.length === 0;
  }

  /**
   * Queues the op; with `inline`, writes it (and everything before it) now on the calling thread
   * instead: the back-pressure of a spilled queue (see JournalWriter.markJournalOnly).
   */
  /** Ops waiting behind the one in flight. */
  get backlog(): number {
    return this.queue.length;
  }

  enqueue(op: AppendOp, inline = false): void {
    if (this.failure !== undefined || this.stopped) return;
    if (inline) {
      // Whatever waits goes first, on this thread too. An op still in the thread pool is written
      // again here, byte for byte at its offset; its own completion is then ignored.
      const before = this.inflight !== undefined ? [this.inflight, ...this.queue] : [...this.queue];
      this.inflight = undefined;
      this.queue.length = 0;
      for (const waiting of [...before, op]) {
        if (this.failure !== undefined) return;
        this.writeSyncNow(waiting);
      }
      // Everything is written: a drain() that waited on the op taken over above resolves now
      // (that op's own completion is ignored, so nothing else would wake it).
      this.pump();
      return;
    }
    this.queue.push(op);
    this.pump();
  }

  private writeSyncNow(op: AppendOp): void {
    try {
      for (let done = 0; done < op.buf.length; ) {
        const n = this.opts.fs.writeSync(op.fd, op.buf, done, op.buf.length - done, op.offset + done);
        if (n <= 0) throw Object.assign(new Error('the disk took no bytes of the write'), { code: 'EIO' });
        done += n;
      }
      if (this.opts.fsync === 'commit') this.opts.fs.fsyncSync(op.fd);
    } catch (err) {
      this.fail(err as Error, op);
      return;
    }
    this.settled(op);
  }

  /** Resolves once every op enqueued so far is written (or the appender failed). */
  drain(): Promise<void> {
    if (this.idle || this.failure !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Forces written ops to disk now (the durable point of flush() and endRun()). */
  async fsyncNow(): Promise<void> {
    await this.drain();
    const fd = this.dirtyFd;
    if (fd === undefined || this.failure !== undefined) return;
    this.dirtyFd = undefined;
    await new Promise<void>((resolve) =>
      this.opts.fs.fsync(fd, (err) => {
        if (err) this.fail(err, undefined);
        resolve();
      }),
    );
  }

  private pump(): void {
    if (this.inflight !== undefined || this.failure !== undefined) return;
    const op = this.queue.shift();
    if (op === undefined) {
      for (const wake of this.idleWaiters.splice(0)) wake();
      return;
    }
    this.inflight = op;
    if (op.buf.length === 0) this.finish(op);
    else this.writeFrom(op, 0);
  }

  private writeFrom(op: AppendOp, done: number): void {
    this.opts.fs.write(op.fd, op.buf, done, op.buf.length - done, op.offset + done, (err, n) => {
      if (this.inflight !== op) return this.late(op); // written synchronously at close meanwhile
      if (err) return this.fail(err, op);
      if (n <= 0) return this.fail(Object.assign(new Error('the disk took no bytes of the write'), { code: 'EIO' }), op);
      if (done + n < op.buf.length) return this.writeFrom(op, done + n);
      if (this.opts.fsync === 'commit') {
        this.opts.fs.fsync(op.fd, (ferr) => {
          if (this.inflight !== op) return this.late(op);
          if (ferr) return this.fail(ferr, op);
          this.finish(op);
        });
      } else this.finish(op);
    });
  }

  private finish(op: AppendOp): void {
    this.inflight = undefined;
    this.settled(op);
    this.pump();
  }

  /** The file of a write that finishSync() overtook is closed only now, so its descriptor is not reused under it. */
  private late(op: AppendOp): void {
    if (this.lateFd !== op.fd) return;
    this.lateFd = undefined;
    try {
      this.opts.fs.closeSync(op.fd);
    } catch (err) {
      debug('journal segment close: %s', (err as Error).message);
    }
  }

  /** True while a descriptor must stay open for a write still in the thread pool. */
  holds(fd: number): boolean {
    return this.lateFd === fd;
  }

  /** Bookkeeping once an op's bytes are all in the file. */
  private settled(op: AppendOp): void {
    if (op.closeAfter && this.lateFd === op.fd) {
      // A write of this file is still in the thread pool: late() closes it.
    } else if (op.closeAfter) {
      try {
        if (this.opts.fsync !== 'commit') this.opts.fs.fsyncSync(op.fd);
        this.opts.fs.closeSync(op.fd);
      } catch (err) {
        debug('journal segment close: %s', (err as Error).message);
      }
      if (this.dirtyFd === op.fd) this.dirtyFd = undefined;
    } else if (this.opts.fsync === 'interval') {
      if (this.stopped) this.dirtyFd = op.fd;
      else this.scheduleFsync(op.fd);
    }
    op.written();
  }

  private fail(err: Error, op: AppendOp | undefined): void {
    if (this.failure !== undefined) return;
    this.failure = err;
    this.inflight = undefined;
    this.queue.length = 0;
    if (op !== undefined) {
      // Exact: the file ends where the failed op began, as if it had never been tried.
      try {
        this.opts.fs.ftruncateSync(op.fd, op.offset);
      } catch (terr) {
        debug('journal truncate after a failed write: %s', (terr as Error).message);
      }
    }
    for (const wake of this.idleWaiters.splice(0)) wake();
    this.opts.onFail(err);
  }

  private scheduleFsync(fd: number): void {
    this.dirtyFd = fd;
    if (this.fsyncTimer !== undefined) return;
    this.fsyncTimer = this.clock.setTimeout(() => {
      this.fsyncTimer = undefined;
      const dirty = this.dirtyFd;
      if (dirty === undefined || this.stopped || this.failure !== undefined) return;
      this.dirtyFd = undefined;
      this.opts.fs.fsync(dirty, (err) => {
        if (err && !this.stopped) this.fail(err, undefined);
      });
    }, this.opts.fsyncIntervalMs);
  }

  /**
   * Writes everything in flight and queued synchronously and forces it to disk: for the process
   * 'exit' event, where no callback will run again. Stops the appender. Returns the failure, if any.
   */
  finishSync(): Error | undefined {
    if (this.stopped) return this.failure;
    this.stopped = true;
    this.clock.clearTimeout(this.fsyncTimer);
    const ops = this.inflight !== undefined ? [this.inflight, ...this.queue] : [...this.queue];
    if (this.inflight !== undefined && this.inflight.buf.length > 0) this.lateFd = this.inflight.fd;
    this.inflight = undefined;
    this.queue.length = 0;
    let lastFd = this.dirtyFd;
    for (const op of ops) {
      if (this.failure !== undefined) break;
      try {
        for (let done = 0; done < op.buf.length; ) {
          const n = this.opts.fs.writeSync(op.fd, op.buf, done, op.buf.length - done, op.offset + done);
          if (n <= 0) throw Object.assign(new Error('the disk took no bytes of the write'), { code: 'EIO' });
          done += n;
        }
        lastFd = op.fd;
        this.settled(op);
        if (op.closeAfter) lastFd = undefined;
      } catch (err) {
        this.stopped = false;
        this.fail(err as Error, op);
        this.stopped = true;
      }
    }
    if (lastFd !== undefined && this.failure === undefined) {
      try {
        this.opts.fs.fsyncSync(lastFd);
      } catch (err) {
        this.failure = err as Error;
        this.opts.onFail(err as Error);
      }
    }
    return this.failure;
  }
}
