/**
 * The compressed copy's size, as MLflow computes it: scaled so that the longer side is 256
 * pixels, keeping the aspect ratio (small images are scaled up, as MLflow does).
 */
export const COMPRESSED_IMAGE_SIZE = 256;

export function thumbnailSize(width: number, height: number, maxSize = COMPRESSED_IMAGE_SIZE): { width: number; height: number } {
  if (width > height) return { width: maxSize, height: Math.max(1, Math.trunc(height * (maxSize / width))) };
  return { width: Math.max(1, Math.trunc(width * (maxSize / height))), height: maxSize };
}

/**
 * Resizes RGBA pixels: each output pixel averages the source area it covers when shrinking, and
 * interpolates bilinearly when growing.
 */
export function resizeRgba(src: Uint8ClampedArray, sw: number, sh: number, dw: number, dh: number): Uint8ClampedArray {
  const out = new Uint8ClampedArray(dw * dh * 4);
  const sx = sw / dw;
  const sy = sh / dh;
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const o = (y * dw + x) * 4;
      if (sx >= 1 && sy >= 1) {
        const x0 = Math.floor(x * sx);
        const x1 = Math.max(x0 + 1, Math.min(sw, Math.floor((x + 1) * sx)));
        const y0 = Math.floor(y * sy);
        const y1 = Math.max(y0 + 1, Math.min(sh, Math.floor((y + 1) * sy)));
        const acc = [0, 0, 0, 0];
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            const i = (yy * sw + xx) * 4;
            for (let k = 0; k < 4; k++) acc[k]! += src[i + k]!;
          }
        }
        const n = (x1 - x0) * (y1 - y0);
        for (let k = 0; k < 4; k++) out[o + k] = acc[k]! / n;
      } else {
        const fx = Math.min(sw - 1, Math.max(0, (x + 0.5) * sx - 0.5));
        const fy = Math.min(sh - 1, Math.max(0, (y + 0.5) * sy - 0.5));
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const x1 = Math.min(sw - 1, x0 + 1);
        const y1 = Math.min(sh - 1, y0 + 1);
        const ax = fx - x0;
        const ay = fy - y0;
        for (let k = 0; k < 4; k++) {
          const top = src[(y0 * sw + x0) * 4 + k]! * (1 - ax) + src[(y0 * sw + x1) * 4 + k]! * ax;
          const bottom = src[(y1 * sw + x0) * 4 + k]! * (1 - ax) + src[(y1 * sw + x1) * 4 + k]! * ax;
          out[o + k] = top * (1 - ay) + bottom * ay;
        }
      }
    }
  }
  return out;
}
