import { crc32 } from 'node:zlib';

/**
 * One journal frame per line: `<crc32, 8 hex digits> <records> <JSON>\n`, where `records` is how
 * many logged records (metric points, params, tag operations, staged artifacts: whatever the frame
 * kind carries) the frame holds, 0 for control frames, and the checksum covers everything after
 * the first space. The count sits in plain text before the JSON so that a frame whose JSON is
 * damaged still tells how many records it took with it (a hint: the damage may have hit the count
 * too, which the reader then reports as unknown). A line whose checksum or JSON does not hold up
 * (a torn write, a damaged block) is detected on read and skipped; lines after it still decode,
 * because every frame ends at its own newline and JSON never contains a raw newline.
 *
 * Extending the format: a new record kind is a new `t` value with its own JSON fields and its own
 * record count; readers skip kinds they do not know. Version 1 lines (`<crc32> <JSON>`, no count)
 * still decode.
 */

export function encodeFrame(record: unknown, records = 0): string {
  const body = `${records} ${JSON.stringify(record)}`;
  return `${crc32(body).toString(16).padStart(8, '0')} ${body}\n`;
}

export type DecodedLine<T> =
  | { ok: true; record: T; records: number }
  /** `records`: the count the damaged line's header states, when it can be read. */
  | { ok: false; reason: string; records?: number | undefined };

/** Decodes one line (without its newline). */
export function decodeFrame<T>(line: string): DecodedLine<T> {
  const hinted = countHint(line);
  if (line.length < 10 || line[8] !== ' ') return { ok: false, reason: 'malformed frame', records: hinted };
  const body = line.slice(9);
  const want = Number.parseInt(line.slice(0, 8), 16);
  if (!Number.isFinite(want) || crc32(body) !== want) return { ok: false, reason: 'checksum mismatch', records: hinted };
  let records = 0;
  let json = body;
  if (body[0] !== '{') {
    // Version 2: the record count, then the JSON.
    const space = body.indexOf(' ');
    records = Number(body.slice(0, space));
    json = body.slice(space + 1);
    if (space <= 0 || !Number.isSafeInteger(records) || records < 0) return { ok: false, reason: 'malformed frame' };
  }
  try {
    return { ok: true, record: JSON.parse(json) as T, records };
  } catch {
    return { ok: false, reason: 'invalid JSON', records };
  }
}

/** The record count a (possibly damaged) version 2 line states, if it can be read at all. */
function countHint(line: string): number | undefined {
  const m = /^[0-9a-f]{8} (\d{1,9}) \{/.exec(line);
  return m ? Number(m[1]) : undefined;
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
