/**
 * The value hashes behind MLflow's dataset digests: pandas' `hash_array` (a 64-bit mix of each
 * number's bits; SipHash-2-4 of UTF-8 for strings) and `hash_pandas_object` for a table's rows.
 * Reproduced so that a digest runlog computes equals the one Python's `mlflow.data` computes for
 * the same numbers and strings; all arithmetic is modulo 2^64 (BigInt).
 */

const MASK = (1n << 64n) - 1n;
const M1 = 0xbf58476d1ce4e5b9n;
const M2 = 0x94d049bb133111ebn;

/** pandas' finalizer that spreads a 64-bit value over the 64-bit space. */
export function mix64(v: bigint): bigint {
  v ^= v >> 30n;
  v = (v * M1) & MASK;
  v ^= v >> 27n;
  v = (v * M2) & MASK;
  v ^= v >> 31n;
  return v;
}

/** The numeric element types a dataset holds, by numpy's names. */
export type NumericDtype = 'float64' | 'float32' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint64' | 'uint32' | 'uint16' | 'uint8' | 'bool';

const scratch = new DataView(new ArrayBuffer(8));

/** The unsigned bits pandas hashes for one value of `dtype` (floats: -0 as 0 and one NaN, as pandas canonicalizes). */
export function valueBits(value: number | bigint | boolean, dtype: NumericDtype): bigint {
  switch (dtype) {
    case 'bool':
      return value ? 1n : 0n;
    case 'float64': {
      const v = Number(value);
      scratch.setFloat64(0, Number.isNaN(v) ? NaN : v === 0 ? 0 : v, true);
      return scratch.getBigUint64(0, true);
    }
    case 'float32': {
      const v = Number(value);
      scratch.setFloat32(0, Number.isNaN(v) ? NaN : v === 0 ? 0 : v, true);
      return BigInt(scratch.getUint32(0, true));
    }
    case 'int64':
    case 'uint64':
      return BigInt.asUintN(64, BigInt(value));
    case 'int32':
    case 'uint32':
      return BigInt.asUintN(32, BigInt(value));
    case 'int16':
    case 'uint16':
      return BigInt.asUintN(16, BigInt(value));
    case 'int8':
    case 'uint8':
      return BigInt.asUintN(8, BigInt(value));
  }
}

// SipHash-2-4 keyed with pandas' default hash key "0123456789123456".
const KEY = Buffer.from('0123456789123456', 'latin1');
const K0 = KEY.readBigUInt64LE(0);
const K1 = KEY.readBigUInt64LE(8);
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;

function sipHash24(data: Uint8Array): bigint {
  let v0 = K0 ^ 0x736f6d6570736575n;
  let v1 = K1 ^ 0x646f72616e646f6dn;
  let v2 = K0 ^ 0x6c7967656e657261n;
  let v3 = K1 ^ 0x7465646279746573n;
  const round = (): void => {
    v0 = (v0 + v1) & MASK; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
    v2 = (v2 + v3) & MASK; v3 = rotl(v3, 16n); v3 ^= v2;
    v0 = (v0 + v3) & MASK; v3 = rotl(v3, 21n); v3 ^= v0;
    v2 = (v2 + v1) & MASK; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  };
  const full = data.length - (data.length % 8);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  for (let i = 0; i < full; i += 8) {
    const m = view.getBigUint64(i, true);
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
  let last = BigInt(data.length & 0xff) << 56n;
  for (let i = full; i < data.length; i++) last |= BigInt(data[i]!) << BigInt(8 * (i - full));
  v3 ^= last;
  round();
  round();
  v0 ^= last;
  v2 ^= 0xffn;
  round();
  round();
  round();
  round();
  return (v0 ^ v1 ^ v2 ^ v3) & MASK;
}

/** pandas' hash of one string value (object arrays of str). */
export function stringHash(s: string): bigint {
  return mix64(sipHash24(Buffer.from(s, 'utf8')));
}

/** pandas' hash of one numeric value. */
export function numberHash(value: number | bigint | boolean, dtype: NumericDtype): bigint {
  return mix64(valueBits(value, dtype));
}

/** pandas' `combine_hash_arrays`: the columns' hashes (and the index's, last) folded into one hash per row. */
export function combineRowHashes(columns: readonly bigint[][], rows: number): bigint[] {
  const out: bigint[] = new Array<bigint>(rows);
  if (columns.length === 0) return out.fill(BigInt(0x345678 + 97531));
  out.fill(0x345678n);
  let mult = 1000003n;
  const n = columns.length;
  columns.forEach((col, i) => {
    const inverse = BigInt(n - i);
    for (let r = 0; r < rows; r++) out[r] = ((out[r]! ^ col[r]!) * mult) & MASK;
    mult = (mult + 82520n + inverse + inverse) & MASK;
  });
  for (let r = 0; r < rows; r++) out[r] = (out[r]! + 97531n) & MASK;
  return out;
}

/** Little-endian bytes of unsigned 64-bit values, as numpy's `.tobytes()` of a uint64 array. */
export function uint64Bytes(values: readonly bigint[]): Buffer {
  const buf = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => buf.writeBigUInt64LE(v, 8 * i));
  return buf;
}

/** `np.int64(n).tobytes()`. */
export function int64Bytes(n: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64LE(BigInt(n));
  return buf;
}
