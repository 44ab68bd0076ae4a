/**
 * The ONNX fixtures built by test/fixtures/make_onnx_models.py (committed, so no Python is needed)
 * and the reference math of each, for expected values.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/', import.meta.url));

export const LINEAR = join(FIXTURES, 'onnx-linear.onnx');
export const TWO_INPUT = join(FIXTURES, 'onnx-two-input.onnx');
export const INT64 = join(FIXTURES, 'onnx-int64.onnx');
export const BOOL = join(FIXTURES, 'onnx-bool.onnx');
/** The linear model with W and B in onnx-external.weights beside it. */
export const EXTERNAL = join(FIXTURES, 'onnx-external.onnx');

/** W (4x3) and B (3) of the linear model, as the fixture script computes them in float32. */
export const W = Float32Array.from({ length: 12 }, (_, i) => i / 10 - 0.5);
export const B = Float32Array.from([0.1, 0.2, 0.3]);

/** y = x @ W + b in float32 steps, for an [n, 4] row-major x. */
export function linearReference(x: Float32Array): Float32Array {
  const n = x.length / 4;
  const y = new Float32Array(n * 3);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < 3; c++) {
      let acc = 0;
      for (let k = 0; k < 4; k++) acc += x[r * 4 + k]! * W[k * 3 + c]!;
      y[r * 3 + c] = Math.fround(acc + B[c]!);
    }
  }
  return y;
}

export function readFixture(path: string): Promise<Buffer> {
  return readFile(path);
}

/** A fresh empty temp dir, removed after the test file. */
export async function tempDir(prefix = 'runlog-onnx-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Asserts two float arrays agree to a relative tolerance (different kernels may round differently). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Math.abs(a - e) > tol * Math.max(1, Math.abs(e))) throw new Error(`element ${i}: ${a} != ${e}`);
  }
}
