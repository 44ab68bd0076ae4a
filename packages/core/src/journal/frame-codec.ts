import { crc32 } from 'node:zlib';

/**
 * One journal frame per line: `<crc32 of the JSON, 8 hex digits> <JSON>\n`. A line whose checksum
 * or JSON does not hold up (a torn write at a crash, a damaged disk block) is detected on read and
 * skipped; lines after it still decode, because every frame ends at its own newline and JSON
 * never contains a raw newline.
 */

export function encodeFrame(record: unknown): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

export type DecodedLine<T> = { ok: true; record: T } | { ok: false; reason: string };

/** Decodes one line (without its newline). */
export function decodeFrame<T>(line: string): DecodedLine<T> {
  if (line.length < 10 || line[8] !== ' ') return { ok: false, reason: 'malformed frame' };
  const json = line.slice(9);
  const want = Number.parseInt(line.slice(0, 8), 16);
  if (!Number.isFinite(want) || crc32(json) !== want) return { ok: false, reason: 'checksum mismatch' };
  try {
    return { ok: true, record: JSON.parse(json) as T };
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
}

/** JSON has no NaN or infinities: metric values travel as these strings instead. */
export function encodeNumber(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function decodeNumber(x: number | string): number {
  return typeof x === 'number' ? x : Number(x);
}
