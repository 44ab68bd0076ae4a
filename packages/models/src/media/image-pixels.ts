import { InvalidArgumentError } from '@runlog/core';
import { decode as decodePng, hasPngSignature } from 'fast-png';

/**
 * The images logImage accepts, turned into 8-bit pixels:
 * - PNG file bytes (a Buffer or Uint8Array starting with the PNG signature), kept as they are for
 *   the full-size file;
 * - raw pixels `{ data, width, height, channels? }`, row-major, `channels` 1 (grey), 3 (RGB) or 4
 *   (RGBA, the default): integer arrays hold 0–255, float arrays (Float32Array, Float64Array,
 *   number[]) hold 0–1 and are scaled, as MLflow scales float images;
 * - a TF.js tensor of shape [height, width, channels] or [height, width] (int32 0–255, float32
 *   0–1, bool), read with `data()`; TF.js itself is never imported here.
 */
export type ImageInput = Uint8Array | RawPixels | TensorLike;

export interface RawPixels {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels?: 1 | 3 | 4 | undefined;
}

/**
 * The part of a tf.Tensor that is read: a `tf.Tensor3D` fits it. Structural, so that this package
 * needs no TF.js types and TF.js stays an optional peer.
 */
export interface TensorLike {
  readonly shape: readonly number[];
  readonly dtype: string;
  data(): Promise<ArrayLike<number> | ArrayLike<string>>;
}

export interface ImagePixels {
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** 8-bit samples, row-major, `channels` per pixel. */
  data: Uint8Array;
  /** The PNG bytes given, when the image came as a PNG file. */
  png?: Uint8Array | undefined;
}

function isTensorLike(x: unknown): x is TensorLike {
  return typeof x === 'object' && x !== null && Array.isArray((x as { shape?: unknown }).shape) && typeof (x as TensorLike).data === 'function' && typeof (x as TensorLike).dtype === 'string';
}

export async function toImagePixels(image: ImageInput): Promise<ImagePixels> {
  if (image instanceof Uint8Array && !('width' in image)) {
    if (!hasPngSignature(image)) {
      throw new InvalidArgumentError('logImage: bytes must be a PNG file; for raw pixels pass { data, width, height, channels }.');
    }
    return { ...pngPixels(image), png: image };
  }
  if (isTensorLike(image)) {
    const [h, w, c = 1] = image.shape;
    if ((image.shape.length !== 2 && image.shape.length !== 3) || !h || !w) {
      throw new InvalidArgumentError(`logImage: a tensor image must have shape [height, width, channels] or [height, width]; got [${image.shape.join(', ')}].`);
    }
    const values = await image.data();
    return fromSamples(values as ArrayLike<number>, w, h, c, image.dtype === 'float32' ? 'float' : 'int');
  }
  if (typeof image === 'object' && image !== null && 'data' in image && 'width' in image && 'height' in image) {
    const { data, width, height } = image;
    const channels = image.channels ?? 4;
    const kind = data instanceof Float32Array || data instanceof Float64Array || Array.isArray(data) ? 'float-or-int' : 'int';
    return fromSamples(data, width, height, channels, kind);
  }
  throw new InvalidArgumentError('logImage: the image must be PNG bytes, { data, width, height, channels }, or a tf.Tensor3D.');
}

/**
 * `kind` says how to read values: 'int' 0–255, 'float' 0–1, 'float-or-int' decides as MLflow
 * does for numpy arrays by looking at the values: all integers → 0–255, else 0–1.
 */
function fromSamples(data: ArrayLike<number>, width: number, height: number, channels: number, kind: 'int' | 'float' | 'float-or-int'): ImagePixels {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidArgumentError(`logImage: width and height must be positive integers; got ${width}×${height}.`);
  }
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new InvalidArgumentError(`logImage: an image has 1, 3 or 4 channels; got ${channels}.`);
  }
  const n = width * height * channels;
  if (data.length !== n) {
    throw new InvalidArgumentError(`logImage: ${width}×${height}×${channels} needs ${n} values; got ${data.length}.`);
  }
  let scale = 1;
  if (kind === 'float') scale = 255;
  else if (kind === 'float-or-int') {
    let allInts = true;
    for (let i = 0; i < n && allInts; i++) allInts = Number.isInteger(data[i]);
    scale = allInts ? 1 : 255;
  }
  const max = scale === 1 ? 255 : 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = data[i]!;
    if (!(v >= 0 && v <= max)) {
      throw new InvalidArgumentError(`logImage: pixel values must be within 0–${max}${scale === 1 ? '' : ' for float images'}; found ${v}.`);
    }
    out[i] = Math.round(v * scale);
  }
  return { width, height, channels, data: out };
}

/** Decodes a PNG into 8-bit grey, RGB or RGBA samples (palettes expanded, 16-bit reduced, grey+alpha → RGBA). */
function pngPixels(bytes: Uint8Array): Omit<ImagePixels, 'png'> {
  let png;
  try {
    png = decodePng(bytes);
  } catch (err) {
    throw new InvalidArgumentError(`logImage: the PNG could not be decoded: ${(err as Error).message}`);
  }
  const { width, height } = png;
  const count = width * height;
  const src = png.data;
  if (png.palette) {
    const hasAlpha = png.palette.some((c) => c.length === 4);
    const ch = hasAlpha ? 4 : 3;
    const out = new Uint8Array(count * ch);
    for (let i = 0; i < count; i++) {
      const c = png.palette[src[i]!] ?? [0, 0, 0, 255];
      for (let k = 0; k < ch; k++) out[i * ch + k] = c[k] ?? 255;
    }
    return { width, height, channels: ch, data: out };
  }
  const shift = png.depth === 16 ? 8 : 0;
  const inCh = png.channels;
  const outCh: 1 | 3 | 4 = inCh === 1 ? 1 : inCh === 3 ? 3 : 4;
  const out = new Uint8Array(count * outCh);
  for (let i = 0; i < count; i++) {
    if (inCh === 2) {
      const g = src[i * 2]! >> shift;
      out.set([g, g, g, src[i * 2 + 1]! >> shift], i * 4);
    } else {
      for (let k = 0; k < outCh; k++) out[i * outCh + k] = src[i * inCh + k]! >> shift;
    }
  }
  if (png.depth < 8 && inCh === 1) {
    // 1/2/4-bit grey: fast-png leaves the small values; spread them over 0–255.
    const maxV = (1 << png.depth) - 1;
    for (let i = 0; i < count; i++) out[i] = Math.round((out[i]! * 255) / maxV);
  }
  return { width, height, channels: outCh, data: out };
}

/** The same pixels as RGBA. */
export function toRgba(px: Pick<ImagePixels, 'width' | 'height' | 'channels' | 'data'>): Uint8ClampedArray {
  const count = px.width * px.height;
  if (px.channels === 4) return new Uint8ClampedArray(px.data.buffer, px.data.byteOffset, count * 4);
  const out = new Uint8ClampedArray(count * 4);
  for (let i = 0; i < count; i++) {
    if (px.channels === 1) {
      const g = px.data[i]!;
      out[i * 4] = g;
      out[i * 4 + 1] = g;
      out[i * 4 + 2] = g;
    } else {
      out[i * 4] = px.data[i * 3]!;
      out[i * 4 + 1] = px.data[i * 3 + 1]!;
      out[i * 4 + 2] = px.data[i * 3 + 2]!;
    }
    out[i * 4 + 3] = 255;
  }
  return out;
}
