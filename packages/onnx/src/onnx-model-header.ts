/**
 * `readOnnxModelHeader`: the IR version, producer and opsets of an `.onnx` file without reading
 * its graph. A ModelProto keeps its weights inside the graph field (or beside it, as external
 * data), so the header fields are a few dozen bytes around a payload that can be gigabytes: this
 * reads each top-level field's key and length, keeps the small header fields and seeks past the
 * rest, so autologging a 2 GB model costs a handful of small reads, not 2 GB of memory.
 */
import { open } from 'node:fs/promises';
import { ModelFormatError } from '@runlog/core';
import { WireError, inspectOnnxHeader, readVarint, type OnnxModelHeader } from './onnx-proto.js';

/** ModelProto fields the header is made of: ir_version, producer_name, producer_version, opset_import. */
const HEADER_FIELDS = new Set([1, 2, 3, 8]);
/** A header field is a short string or a small message; a larger one means a corrupt length. */
const MAX_HEADER_FIELD_BYTES = 1 << 20;
/** A key varint and a length varint, 10 bytes each at most. */
const MAX_PREFIX_BYTES = 20;
const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** Reads the header of the ONNX model at `path`. Throws ModelFormatError when it is not one. */
export async function readOnnxModelHeader(path: string): Promise<OnnxModelHeader> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const prefix = Buffer.alloc(MAX_PREFIX_BYTES);
    const kept: Buffer[] = [];
    let pos = 0;
    while (pos < size) {
      const { bytesRead } = await fh.read(prefix, 0, MAX_PREFIX_BYTES, pos);
      const view = prefix.subarray(0, bytesRead);
      const [key, afterKey] = readVarint(view, 0);
      const num = Math.floor(key / 8);
      const wire = key % 8;
      let length: number; // of the whole field, key included
      if (wire === WIRE_VARINT) length = readVarint(view, afterKey)[1];
      else if (wire === WIRE_I64) length = afterKey + 8;
      else if (wire === WIRE_I32) length = afterKey + 4;
      else if (wire === WIRE_LEN) {
        const [len, afterLen] = readVarint(view, afterKey);
        length = afterLen + len;
      } else throw new WireError(`unsupported wire type ${wire}`);
      if (pos + length > size) throw new WireError('a field runs past the end of the file');
      if (HEADER_FIELDS.has(num)) {
        if (length > MAX_HEADER_FIELD_BYTES) throw new WireError(`header field ${num} is ${length} bytes long`);
        const field = Buffer.alloc(length);
        await fh.read(field, 0, length, pos);
        kept.push(field);
      }
      pos += length;
    }
    return inspectOnnxHeader(Buffer.concat(kept), path);
  } catch (err) {
    if (err instanceof WireError) throw new ModelFormatError(`${path} is not an ONNX ModelProto (${err.message})`);
    throw err;
  } finally {
    await fh.close();
  }
}
