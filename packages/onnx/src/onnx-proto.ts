/**
 * A minimal reader of the ONNX ModelProto wire format: enough to tell ONNX bytes from other
 * bytes without onnxruntime, and to find the external-data files a model references (so saving a
 * model from a path copies them beside `model.onnx`). Field numbers are those of onnx/onnx.proto3.
 * No message is decoded beyond what these two jobs need.
 */
import { ModelFormatError } from '@runlog/core';

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_LEN = 2;
const WIRE_I32 = 5;

/** The top-level facts of a ModelProto that need no walk of its graph. */
export interface OnnxModelHeader {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** `opset_import`, as (domain, version) pairs; '' is the default ONNX domain. */
  opsetImports: Array<{ domain: string; version: number }>;
}

/** What `inspectOnnxModel` reports about a ModelProto. */
export interface OnnxModelInfo extends OnnxModelHeader {
  /** `location` of every tensor stored as external data, in first-seen order, deduplicated. */
  externalDataLocations: string[];
}

interface Field {
  num: number;
  wire: number;
  /** Varint value (wire 0) as a number; exact up to 2^53, enough for versions and enums. */
  value: number;
  /** Payload bounds for wire 2. */
  start: number;
  end: number;
}

/** A malformed protobuf wire encoding. */
export class WireError extends Error {}

/** Reads a base-128 varint at `pos`: [value, position after it]. Throws WireError. */
export function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new WireError('truncated varint');
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if ((b & 0x80) === 0) return [result, pos];
    mul *= 128;
  }
  throw new WireError('varint longer than 10 bytes');
}

/** Yields the fields of one message occupying buf[start, end); throws WireError on malformed input. */
function* fields(buf: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [key, afterKey] = readVarint(buf, pos);
    pos = afterKey;
    const num = Math.floor(key / 8);
    const wire = key % 8;
    if (num < 1) throw new WireError('field number 0');
    switch (wire) {
      case WIRE_VARINT: {
        const [value, next] = readVarint(buf, pos);
        pos = next;
        yield { num, wire, value, start: pos, end: pos };
        break;
      }
      case WIRE_I64:
        pos += 8;
        if (pos > end) throw new WireError('truncated fixed64');
        yield { num, wire, value: 0, start: pos - 8, end: pos };
        break;
      case WIRE_I32:
        pos += 4;
        if (pos > end) throw new WireError('truncated fixed32');
        yield { num, wire, value: 0, start: pos - 4, end: pos };
        break;
      case WIRE_LEN: {
        const [len, next] = readVarint(buf, pos);
        if (next + len > end) throw new WireError('length-delimited field runs past its message');
        pos = next + len;
        yield { num, wire, value: len, start: next, end: pos };
        break;
      }
      default:
        throw new WireError(`unsupported wire type ${wire}`);
    }
  }
}

/** ModelProto field number → expected wire type (onnx.proto3). Unknown numbers are tolerated. */
const MODEL_FIELDS: Record<number, number> = {
  1: WIRE_VARINT, // ir_version
  2: WIRE_LEN, // producer_name
  3: WIRE_LEN, // producer_version
  4: WIRE_LEN, // domain
  5: WIRE_VARINT, // model_version
  6: WIRE_LEN, // doc_string
  7: WIRE_LEN, // graph
  8: WIRE_LEN, // opset_import
  14: WIRE_LEN, // metadata_props
  20: WIRE_LEN, // training_info
  25: WIRE_LEN, // functions
  26: WIRE_LEN, // configuration
};

const text = new TextDecoder('utf-8', { fatal: false });

/**
 * Parses the top level of a ModelProto and walks its graph (with subgraphs of If/Loop/Scan nodes)
 * for external-data references. Throws ModelFormatError when the bytes are not an ONNX model.
 */
export function inspectOnnxModel(bytes: Uint8Array, what = 'model bytes'): OnnxModelInfo {
  try {
    return inspect(bytes);
  } catch (err) {
    if (err instanceof WireError) {
      throw new ModelFormatError(`${what} are not an ONNX ModelProto (${err.message})`);
    }
    throw err;
  }
}

/** True when `bytes` parse as an ONNX ModelProto with an IR version and a graph. Never throws. */
export function looksLikeOnnxModel(bytes: Uint8Array): boolean {
  try {
    topLevel(bytes);
    return true;
  } catch {
    return false;
  }
}

interface TopLevel {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  graph: Field | undefined;
  opsets: Field[];
}

function topLevel(buf: Uint8Array, requireGraph = true): TopLevel {
  if (buf.length === 0) throw new WireError('empty');
  let irVersion: number | undefined;
  let producerName = '';
  let producerVersion = '';
  let graph: Field | undefined;
  const opsets: Field[] = [];
  for (const f of fields(buf, 0, buf.length)) {
    const expected = MODEL_FIELDS[f.num];
    if (expected !== undefined && expected !== f.wire) {
      throw new WireError(`field ${f.num} has wire type ${f.wire}, expected ${expected}`);
    }
    if (f.num === 1) irVersion = f.value;
    else if (f.num === 2) producerName = text.decode(buf.subarray(f.start, f.end));
    else if (f.num === 3) producerVersion = text.decode(buf.subarray(f.start, f.end));
    else if (f.num === 7) graph = f;
    else if (f.num === 8) opsets.push(f);
  }
  if (irVersion === undefined) throw new WireError('no ir_version');
  if (graph === undefined && requireGraph) throw new WireError('no graph');
  return { irVersion, producerName, producerVersion, graph, opsets };
}

function opsetImportsOf(buf: Uint8Array, opsets: Field[]): OnnxModelHeader['opsetImports'] {
  return opsets.map((o) => {
    let domain = '';
    let version = 0;
    for (const f of fields(buf, o.start, o.end)) {
      if (f.num === 1 && f.wire === WIRE_LEN) domain = text.decode(buf.subarray(f.start, f.end));
      else if (f.num === 2 && f.wire === WIRE_VARINT) version = f.value;
    }
    return { domain, version };
  });
}

/**
 * The header of a ModelProto (IR version, producer, opsets) from its top-level fields only; the
 * graph need not be present, so a caller may pass just the small fields cut from a large file
 * (see readOnnxModelHeader). Throws ModelFormatError when the bytes are not a ModelProto.
 */
export function inspectOnnxHeader(bytes: Uint8Array, what = 'model bytes'): OnnxModelHeader {
  try {
    const top = topLevel(bytes, false);
    return { irVersion: top.irVersion, producerName: top.producerName, producerVersion: top.producerVersion, opsetImports: opsetImportsOf(bytes, top.opsets) };
  } catch (err) {
    if (err instanceof WireError) throw new ModelFormatError(`${what} are not an ONNX ModelProto (${err.message})`);
    throw err;
  }
}

function inspect(buf: Uint8Array): OnnxModelInfo {
  const top = topLevel(buf);
  const locations = new Set<string>();
  walkGraph(buf, top.graph!.start, top.graph!.end, locations, 0);
  return {
    irVersion: top.irVersion,
    producerName: top.producerName,
    producerVersion: top.producerVersion,
    opsetImports: opsetImportsOf(buf, top.opsets),
    externalDataLocations: [...locations],
  };
}

const MAX_GRAPH_DEPTH = 64;

/** GraphProto: 1 node, 5 initializer (TensorProto), 15 sparse_initializer (SparseTensorProto). */
function walkGraph(buf: Uint8Array, start: number, end: number, out: Set<string>, depth: number): void {
  if (depth > MAX_GRAPH_DEPTH) throw new WireError('subgraphs nested too deeply');
  for (const f of fields(buf, start, end)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.num === 1) walkNode(buf, f.start, f.end, out, depth);
    else if (f.num === 5) walkTensor(buf, f.start, f.end, out);
    else if (f.num === 15) walkSparseTensor(buf, f.start, f.end, out);
  }
}

/** NodeProto: 5 attribute (AttributeProto: 5 t, 6 g, 10 tensors, 11 graphs, 22 sparse_tensor, 23 sparse_tensors). */
function walkNode(buf: Uint8Array, start: number, end: number, out: Set<string>, depth: number): void {
  for (const f of fields(buf, start, end)) {
    if (f.num !== 5 || f.wire !== WIRE_LEN) continue;
    for (const a of fields(buf, f.start, f.end)) {
      if (a.wire !== WIRE_LEN) continue;
      if (a.num === 5 || a.num === 10) walkTensor(buf, a.start, a.end, out);
      else if (a.num === 6 || a.num === 11) walkGraph(buf, a.start, a.end, out, depth + 1);
      else if (a.num === 22 || a.num === 23) walkSparseTensor(buf, a.start, a.end, out);
    }
  }
}

/** SparseTensorProto: 1 values, 2 indices (TensorProto). */
function walkSparseTensor(buf: Uint8Array, start: number, end: number, out: Set<string>): void {
  for (const f of fields(buf, start, end)) {
    if ((f.num === 1 || f.num === 2) && f.wire === WIRE_LEN) walkTensor(buf, f.start, f.end, out);
  }
}

/** TensorProto: 13 external_data (StringStringEntryProto: 1 key, 2 value), 14 data_location (1 = EXTERNAL). */
function walkTensor(buf: Uint8Array, start: number, end: number, out: Set<string>): void {
  let external = false;
  let location: string | undefined;
  for (const f of fields(buf, start, end)) {
    if (f.num === 14 && f.wire === WIRE_VARINT) external = f.value === 1;
    else if (f.num === 13 && f.wire === WIRE_LEN) {
      let key = '';
      let value = '';
      for (const e of fields(buf, f.start, f.end)) {
        if (e.wire !== WIRE_LEN) continue;
        if (e.num === 1) key = text.decode(buf.subarray(e.start, e.end));
        else if (e.num === 2) value = text.decode(buf.subarray(e.start, e.end));
      }
      if (key === 'location') location = value;
    }
  }
  if (external) {
    if (location === undefined || location === '') throw new WireError('an external tensor has no location');
    out.add(location);
  }
}
