/**
 * A model signature from an onnxruntime session's input/output metadata: one named TensorSpec per
 * graph input and output (name = the ONNX name), numpy dtype names, and -1 for every dimension
 * the graph leaves open (symbolic like 'N' or 'batch_size', or unnamed). This is the signature
 * MLflow's pyfunc enforces, so Python scoring accepts what the graph accepts.
 */
import type { ModelSignature, TensorSpec } from '@runlog/models';
import { numpyDtypeOf } from './tensor-convert.js';

/** The part of onnxruntime's InferenceSession.ValueMetadata this module reads. */
export interface OrtValueMetadata {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** The session members signature inference reads (onnxruntime-node ≥ 1.21 has both). */
export interface SessionMetadataSource {
  readonly inputMetadata?: readonly OrtValueMetadata[];
  readonly outputMetadata?: readonly OrtValueMetadata[];
}

/**
 * Why no signature can be inferred, or undefined when one can. Non-tensor values (sequences,
 * maps, as sklearn-onnx classifiers output) and element types numpy has no name for have no
 * TensorSpec.
 */
export function signatureBlocker(session: SessionMetadataSource): string | undefined {
  const { inputMetadata, outputMetadata } = session;
  if (!inputMetadata || !outputMetadata) return 'this onnxruntime version exposes no input/output metadata';
  if (inputMetadata.length === 0) return 'the graph has no inputs';
  for (const m of [...inputMetadata, ...outputMetadata]) {
    if (!m.isTensor) return `'${m.name}' is not a tensor`;
    if (m.type === undefined || numpyDtypeOf(m.type) === undefined) return `'${m.name}' has element type ${m.type}, which numpy has no name for`;
  }
  return undefined;
}

function tensorSpec(m: OrtValueMetadata): TensorSpec {
  const shape = (m.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return { type: 'tensor', name: m.name, tensorSpec: { dtype: numpyDtypeOf(m.type!)!, shape } };
}

/** The signature of a session's graph, or undefined (see signatureBlocker). */
export function inferOnnxSignature(session: SessionMetadataSource): ModelSignature | undefined {
  if (signatureBlocker(session) !== undefined) return undefined;
  return {
    inputs: { kind: 'tensor', inputs: session.inputMetadata!.map(tensorSpec) },
    outputs: { kind: 'tensor', inputs: session.outputMetadata!.map(tensorSpec) },
  };
}
