/**
 * `loadOnnxSession`: creates an onnxruntime-node InferenceSession and remembers where its model
 * came from. onnxruntime-node keeps the model bytes inside its native handle and exposes neither
 * them nor the path (checked on 1.30: the session has inputNames/outputNames/inputMetadata/
 * outputMetadata, run, release and profiling, nothing else), so a session alone cannot be saved.
 * runlog saves a session only when it was created here; otherwise pass the path or the bytes.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { loadOrt } from './ort-loader.js';

/** Where a session's model came from. */
export type OnnxModelSource = { kind: 'path'; path: string } | { kind: 'bytes'; bytes: Uint8Array };

const sources = new WeakMap<object, OnnxModelSource>();

/**
 * Creates an InferenceSession from a `.onnx` path or ModelProto bytes, exactly as
 * `InferenceSession.create` would, and records its source so `saveModel`/`logModel` accept the
 * session itself. Bytes are kept by reference: do not mutate them while the session may be saved.
 */
export async function loadOnnxSession(
  pathOrBytes: string | Uint8Array,
  options?: InferenceSession.SessionOptions,
): Promise<InferenceSession> {
  const ort = await loadOrt();
  const session =
    typeof pathOrBytes === 'string'
      ? await ort.InferenceSession.create(pathOrBytes, options)
      : await ort.InferenceSession.create(pathOrBytes, options);
  sources.set(
    session,
    typeof pathOrBytes === 'string' ? { kind: 'path', path: pathOrBytes } : { kind: 'bytes', bytes: pathOrBytes },
  );
  return session;
}

/** The source recorded by loadOnnxSession, or undefined for a session created elsewhere. */
export function onnxSessionSource(session: object): OnnxModelSource | undefined {
  return sources.get(session);
}

/** Duck-typed onnxruntime InferenceSession (any copy of onnxruntime-common). */
export function isInferenceSession(value: unknown): value is InferenceSession {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  return (
    Array.isArray(s.inputNames) &&
    Array.isArray(s.outputNames) &&
    typeof s.run === 'function' &&
    typeof s.release === 'function'
  );
}
