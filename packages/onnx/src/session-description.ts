/**
 * What autologging records about a session once, as params: from `InferenceSession.create`'s
 * arguments (where the model came from, the execution providers asked for) and from the session
 * (its inputs and outputs), plus the model header (opsets, IR version, producer) when the model
 * came from a path or bytes.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { OnnxModelHeader } from './onnx-proto.js';
import type { OnnxModelSource } from './onnx-session.js';

/** What create's arguments say about a session. */
export interface CreateArguments {
  source: OnnxModelSource | undefined;
  /** Provider names as asked for; onnxruntime-node runs on CPU when none are given. */
  executionProviders: string[];
}

/**
 * Reads create's overloads as onnxruntime-common does: (path | Uint8Array, options?) and
 * (ArrayBuffer, byteOffset?, byteLength?, options?).
 */
export function createArgumentsOf(args: readonly unknown[]): CreateArguments {
  const [arg0, arg1, arg2, arg3] = args;
  let source: OnnxModelSource | undefined;
  let options: unknown;
  if (typeof arg0 === 'string') {
    source = { kind: 'path', path: arg0 };
    options = arg1;
  } else if (arg0 instanceof Uint8Array) {
    source = { kind: 'bytes', bytes: arg0 };
    options = arg1;
  } else if (arg0 instanceof ArrayBuffer || (typeof SharedArrayBuffer !== 'undefined' && arg0 instanceof SharedArrayBuffer)) {
    const offset = typeof arg1 === 'number' ? arg1 : 0;
    const length = typeof arg2 === 'number' ? arg2 : arg0.byteLength - offset;
    source = { kind: 'bytes', bytes: new Uint8Array(arg0, offset, length) };
    options = typeof arg1 === 'number' ? (typeof arg2 === 'number' ? arg3 : undefined) : arg1;
  }
  const eps = (options as InferenceSession.SessionOptions | undefined)?.executionProviders;
  const executionProviders = Array.isArray(eps) && eps.length > 0 ? eps.map(providerName) : ['cpu'];
  return { source, executionProviders };
}

function providerName(ep: unknown): string {
  if (typeof ep === 'string') return ep;
  const name = (ep as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : String(ep);
}

interface ValueMetadataLike {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** {name, dtype, shape} per value; symbolic dimensions keep their names ('N', 'batch_size'). */
function describeValues(names: readonly string[], metadata: readonly ValueMetadataLike[] | undefined): string {
  if (!metadata) return JSON.stringify(names.map((name) => ({ name })));
  return JSON.stringify(
    metadata.map((m) => (m.isTensor ? { name: m.name, dtype: m.type, shape: m.shape ?? null } : { name: m.name, type: 'non-tensor' })),
  );
}

/** Params from the session and create's arguments. */
export function sessionParams(session: InferenceSession, created: CreateArguments): Record<string, string> {
  const s = session as InferenceSession & { inputMetadata?: readonly ValueMetadataLike[]; outputMetadata?: readonly ValueMetadataLike[] };
  return {
    onnx_inputs: describeValues(s.inputNames, s.inputMetadata),
    onnx_outputs: describeValues(s.outputNames, s.outputMetadata),
    onnx_execution_providers: JSON.stringify(created.executionProviders),
  };
}

/** Params from the model header: the default-domain opset, every opset when there are others, IR version, producer. */
export function headerParams(header: OnnxModelHeader): Record<string, string> {
  const params: Record<string, string> = { onnx_ir_version: String(header.irVersion) };
  const main = header.opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (main) params.onnx_opset = String(main.version);
  if (header.opsetImports.length > (main ? 1 : 0)) {
    params.onnx_opset_imports = JSON.stringify(Object.fromEntries(header.opsetImports.map((o) => [o.domain || 'ai.onnx', o.version])));
  }
  const producer = `${header.producerName} ${header.producerVersion}`.trim();
  if (producer) params.onnx_producer = producer;
  return params;
}
