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

/**
 * Columns of numbers travel as base64 of their little-endian bytes: exact (NaN and infinities
 * included, which JSON lacks) and an order of magnitude cheaper to encode than decimal text,
 * which matters because every logged point passes through here.
 */
export function encodeF64(values: Float64Array, n: number): string {
  return Buffer.from(values.buffer, values.byteOffset, n * 8).toString('base64');
}

export function decodeF64(b64: string): Float64Array {
  const bytes = Buffer.from(b64, 'base64');
  // Copied into a fresh buffer: a typed array view needs an aligned offset.
  const out = new Float64Array(bytes.length >> 3);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 8));
  return out;
}

export function encodeU32(values: Uint32Array, n: number): string {
  return Buffer.from(values.buffer, values.byteOffset, n * 4).toString('base64');
}

export function decodeU32(b64: string): Uint32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Uint32Array(bytes.length >> 2);
  new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
  return out;
}
