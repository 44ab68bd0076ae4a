import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { encode as encodePng } from 'fast-png';
import type { ImagePixels } from './image-pixels.js';

/**
 * Encoders for the two files of a logged image: PNG (fast-png, pure JS) for the full image and
 * WebP (libwebp compiled to WebAssembly, from @jsquash/webp) for the compressed copy, the
 * formats MLflow writes. The WebAssembly module is compiled on first use and kept.
 */

export function pngBytes(px: ImagePixels): Uint8Array {
  return px.png ?? encodePng({ width: px.width, height: px.height, data: px.data, channels: px.channels, depth: 8 });
}

type WebpEncode = (data: { data: Uint8ClampedArray; width: number; height: number; colorSpace: 'srgb' }, options?: { quality?: number }) => Promise<ArrayBuffer>;
let webpEncoder: Promise<WebpEncode> | undefined;

async function loadWebpEncoder(): Promise<WebpEncode> {
  const require = createRequire(import.meta.url);
  const [{ simd }, mod] = await Promise.all([import('wasm-feature-detect'), import('@jsquash/webp/encode.js')]);
  // The package picks its SIMD build when the runtime has SIMD; hand it the matching binary, read
  // from disk (its own loader would fetch() a URL, which Node cannot do for a file).
  const wasmFile = (await simd()) ? 'webp_enc_simd.wasm' : 'webp_enc.wasm';
  // WebAssembly's types come with the DOM library, which this package does not load.
  const wasmApi = (globalThis as unknown as { WebAssembly: { compile(bytes: Uint8Array): Promise<object> } }).WebAssembly;
  const wasm = await wasmApi.compile(await readFile(require.resolve(`@jsquash/webp/codec/enc/${wasmFile}`)));
  const init = mod.init as unknown as (module: object) => Promise<unknown>;
  await init(wasm);
  return mod.default as unknown as WebpEncode;
}

/** Lossy WebP at quality 75 (Pillow's default, which MLflow's compressed copy uses). */
export async function webpBytes(rgba: Uint8ClampedArray, width: number, height: number): Promise<Uint8Array> {
  webpEncoder ??= loadWebpEncoder().catch((err: unknown) => {
    webpEncoder = undefined;
    throw err;
  });
  const encode = await webpEncoder;
  return new Uint8Array(await encode({ data: rgba, width, height, colorSpace: 'srgb' }, { quality: 75 }));
}
