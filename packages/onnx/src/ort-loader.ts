/**
 * The one place that loads onnxruntime-node. It is an optional peer dependency: it is imported
 * lazily, the first time a session is needed, so a program that never touches an ONNX model never
 * loads it, and a program without it gets one clear error instead of a module-resolution crash.
 */
import { UnknownFlavorError } from '@runlog/core';
import type * as Ort from 'onnxruntime-node';

export type OrtModule = typeof Ort;

let cached: Promise<OrtModule> | undefined;
let override: (() => Promise<OrtModule>) | undefined;

/** Resolves onnxruntime-node, or rejects with UnknownFlavorError saying how to install it. */
export function loadOrt(): Promise<OrtModule> {
  cached ??= (override ?? defaultImport)().catch((err: unknown) => {
    cached = undefined; // a later call may succeed (e.g. after an install, or with another override)
    const code = (err as { code?: string } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new UnknownFlavorError(
        "the 'onnx' flavor needs onnxruntime-node, which is not installed: npm install onnxruntime-node",
      );
    }
    throw new UnknownFlavorError(
      `the 'onnx' flavor needs onnxruntime-node, which failed to load: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  return cached;
}

async function defaultImport(): Promise<OrtModule> {
  const mod = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
  // onnxruntime-node is CommonJS: depending on the loader, the namespace or its `default` holds it.
  return typeof mod.InferenceSession?.create === 'function' ? mod : (mod.default ?? mod);
}

/** The installed onnxruntime-node version (from its own `env.versions.node`). */
export function ortVersion(ort: OrtModule): string {
  const versions = ort.env?.versions as { node?: string; common?: string } | undefined;
  return versions?.node ?? versions?.common ?? 'unknown';
}

/** Tests only: replace how onnxruntime-node is imported (undefined restores the real import). */
export function setOrtImportForTesting(importer: (() => Promise<OrtModule>) | undefined): void {
  override = importer;
  cached = undefined;
}
