import { open } from 'node:fs/promises';
import { decodeFrame } from './frame-codec.js';
import type { JournalRecord } from './journal-format.js';

export interface ReadFramesOptions {
  /** Byte offset to start at (a frame boundary). */
  start?: number;
  /** Byte offset to stop at (a frame boundary): a file still being appended to is read up to here. */
  end?: number;
  /** Called for every line that does not decode: a torn tail or a damaged block. */
  onCorrupt?: (info: CorruptSpan) => void;
}

/** Bytes that did not decode as a frame. */
export interface CorruptSpan {
  path: string;
  offset: number;
  bytes: number;
  reason: string;
  /** The record count the damaged frame's header states, when it could be read. */
  records?: number | undefined;
  /** The file's last bytes, without a newline: a write the writing process did not finish. */
  torn: boolean;
}

export interface FrameAt {
  record: JournalRecord;
  /** Offset just past this frame's newline. */
  next: number;
}

const CHUNK = 4 * 1024 * 1024;

/**
 * Streams the frames of one segment file from `start`. A line that fails its checksum is reported
 * and skipped, and reading goes on at the next newline, so one damaged frame costs only itself. A
 * final line without its newline is a write the process did not finish: reported and skipped.
 */
export async function* readFrames(path: string, opts: ReadFramesOptions = {}): AsyncGenerator<FrameAt> {
  const fh = await open(path, 'r');
  try {
    let pos = opts.start ?? 0;
    let carry = Buffer.alloc(0);
    let carryAt = pos;
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const want = opts.end === undefined ? CHUNK : Math.min(CHUNK, opts.end - pos);
      if (want <= 0) break;
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      const data = carry.length ? Buffer.concat([carry, buf.subarray(0, bytesRead)]) : buf.subarray(0, bytesRead);
      let lineStart = 0;
      for (;;) {
        const nl = data.indexOf(10, lineStart);
        if (nl < 0) break;
        const line = data.toString('utf8', lineStart, nl);
        const at = carryAt + lineStart;
        const decoded = decodeFrame<JournalRecord>(line);
        if (decoded.ok && typeof (decoded.record as { t?: unknown }).t === 'string') {
          yield { record: decoded.record, next: carryAt + nl + 1 };
        } else {
          opts.onCorrupt?.({
            path,
            offset: at,
            bytes: nl + 1 - lineStart,
            reason: decoded.ok ? 'not a journal record' : decoded.reason,
            records: decoded.ok ? decoded.records : decoded.records,
            torn: false,
          });
        }
        lineStart = nl + 1;
      }
      // Copy: `buf` is reused by the next read.
      carry = Buffer.from(data.subarray(lineStart));
      carryAt += lineStart;
    }
    if (carry.length > 0) {
      const decoded = decodeFrame(carry.toString('utf8'));
      opts.onCorrupt?.({ path, offset: carryAt, bytes: carry.length, reason: 'truncated record (no newline)', records: decoded.records, torn: true });
    }
  } finally {
    await fh.close();
  }
}
