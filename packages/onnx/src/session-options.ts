/**
 * Execution providers and session options, in the two vocabularies that meet here:
 * - MLflow's (what the MLmodel `onnx` block holds, read by Python's onnxruntime): provider names
 *   like 'CPUExecutionProvider', and `onnx_session_options` with snake_case keys
 *   (`inter_op_num_threads`, `intra_op_num_threads`, `execution_mode`, `graph_optimization_level`
 *   0|1|2|99, `extra_session_config`), validated as mlflow.utils.model_utils does;
 * - onnxruntime-node's: backend names like 'cpu', and camelCase SessionOptions.
 */
import { InvalidArgumentError } from '@runlog/core';
import type { InferenceSession } from 'onnxruntime-node';

/** Session options as a runlog user writes them when saving; stored in MLflow's form. */
export interface OnnxSessionOptions {
  interOpNumThreads?: number;
  intraOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  /** onnxruntime's GraphOptimizationLevel: 0|'disabled', 1|'basic', 2|'extended', 99|'all'. */
  graphOptimizationLevel?: 0 | 1 | 2 | 99 | 'disabled' | 'basic' | 'extended' | 'all';
  /** Session config entries (`add_session_config_entry` in Python, `extra` in Node), string values. */
  extraSessionConfig?: Record<string, string>;
}

/** MLflow's `onnx_session_options` dict. */
export interface MlflowOnnxSessionOptions {
  inter_op_num_threads?: number;
  intra_op_num_threads?: number;
  execution_mode?: string;
  graph_optimization_level?: number;
  extra_session_config?: Record<string, string>;
}

const LEVEL_BY_NAME = { disabled: 0, basic: 1, extended: 2, all: 99 } as const;
const NAME_BY_LEVEL: Record<number, 'disabled' | 'basic' | 'extended' | 'all'> = {
  0: 'disabled',
  1: 'basic',
  2: 'extended',
  99: 'all',
};

function bad(message: string): never {
  throw new InvalidArgumentError(`onnx sessionOptions: ${message}`);
}

function threads(key: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(`${key} must be an integer >= 0, got ${String(v)}`);
  return v;
}

/** Validates user session options and converts them to MLflow's dict; null when none are set. */
export function toMlflowSessionOptions(opts: OnnxSessionOptions | null | undefined): MlflowOnnxSessionOptions | null {
  if (opts === null || opts === undefined) return null;
  if (typeof opts !== 'object' || Array.isArray(opts)) bad('must be an object');
  const out: MlflowOnnxSessionOptions = {};
  for (const [key, value] of Object.entries(opts)) {
    if (value === undefined) continue;
    switch (key) {
      case 'interOpNumThreads':
        out.inter_op_num_threads = threads(key, value);
        break;
      case 'intraOpNumThreads':
        out.intra_op_num_threads = threads(key, value);
        break;
      case 'executionMode':
        if (value !== 'sequential' && value !== 'parallel') bad(`executionMode must be 'sequential' or 'parallel', got ${String(value)}`);
        out.execution_mode = value;
        break;
      case 'graphOptimizationLevel': {
        const level = typeof value === 'string' ? LEVEL_BY_NAME[value as keyof typeof LEVEL_BY_NAME] : value;
        if (typeof level !== 'number' || NAME_BY_LEVEL[level] === undefined) {
          bad(`graphOptimizationLevel must be 0, 1, 2, 99 or 'disabled', 'basic', 'extended', 'all', got ${String(value)}`);
        }
        out.graph_optimization_level = level;
        break;
      }
      case 'extraSessionConfig':
        if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('extraSessionConfig must be an object');
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          if (typeof v !== 'string') bad(`extraSessionConfig['${k}'] must be a string`);
        }
        out.extra_session_config = { ...(value as Record<string, string>) };
        break;
      default:
        bad(`unknown option '${key}' (known: interOpNumThreads, intraOpNumThreads, executionMode, graphOptimizationLevel, extraSessionConfig)`);
    }
  }
  return Object.keys(out).length === 0 ? null : out;
}

/**
 * onnxruntime-node SessionOptions from an MLmodel's `onnx_session_options`. Like MLflow's loader,
 * falsy values are skipped and unknown keys ignored; a file written by hand cannot make it throw.
 */
export function ortSessionOptionsFromMlflow(dict: unknown): InferenceSession.SessionOptions {
  const out: { -readonly [K in keyof InferenceSession.SessionOptions]: InferenceSession.SessionOptions[K] } = {};
  if (typeof dict !== 'object' || dict === null) return out;
  const d = dict as Record<string, unknown>;
  if (typeof d.inter_op_num_threads === 'number' && d.inter_op_num_threads > 0) out.interOpNumThreads = d.inter_op_num_threads;
  if (typeof d.intra_op_num_threads === 'number' && d.intra_op_num_threads > 0) out.intraOpNumThreads = d.intra_op_num_threads;
  if (typeof d.execution_mode === 'string') {
    const mode = d.execution_mode.toLowerCase();
    if (mode === 'sequential' || mode === 'parallel') out.executionMode = mode;
  }
  if (typeof d.graph_optimization_level === 'number' && NAME_BY_LEVEL[d.graph_optimization_level]) {
    out.graphOptimizationLevel = NAME_BY_LEVEL[d.graph_optimization_level];
  }
  if (typeof d.extra_session_config === 'object' && d.extra_session_config !== null) {
    const extra: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.extra_session_config as Record<string, unknown>)) extra[k] = String(v);
    if (Object.keys(extra).length > 0) out.extra = extra;
  }
  return out;
}

/** Python onnxruntime provider names → onnxruntime-node backend names. */
const NODE_PROVIDER: Record<string, string> = {
  CPUExecutionProvider: 'cpu',
  CUDAExecutionProvider: 'cuda',
  TensorrtExecutionProvider: 'tensorrt',
  DmlExecutionProvider: 'dml',
  CoreMLExecutionProvider: 'coreml',
  QNNExecutionProvider: 'qnn',
  WebGpuExecutionProvider: 'webgpu',
  XnnpackExecutionProvider: 'xnnpack',
  NnapiExecutionProvider: 'nnapi',
};

/**
 * The MLmodel `providers` list (strings, or [name, options] pairs as YAML round-trips Python
 * tuples) as onnxruntime-node backend names, keeping only those in `available`, in order,
 * deduplicated; ['cpu'] when none is left. Unknown names are dropped, as Python drops
 * unavailable providers.
 */
export function nodeProvidersFromMlflow(providers: unknown, available: ReadonlySet<string>): string[] {
  const list = typeof providers === 'string' ? [providers] : Array.isArray(providers) ? providers : [];
  const out: string[] = [];
  for (const entry of list) {
    const name = Array.isArray(entry) ? entry[0] : entry;
    if (typeof name !== 'string') continue;
    const node = NODE_PROVIDER[name] ?? (Object.values(NODE_PROVIDER).includes(name) ? name : undefined);
    if (node !== undefined && available.has(node) && !out.includes(node)) out.push(node);
  }
  return out.length > 0 ? out : ['cpu'];
}

/** Validates the MLflow provider names a user gives at save time. */
export function checkMlflowProviders(providers: unknown): string[] {
  if (!Array.isArray(providers) || providers.length === 0 || !providers.every((p) => typeof p === 'string' && p !== '')) {
    throw new InvalidArgumentError(
      "onnx providers must be a non-empty list of onnxruntime provider names, e.g. ['CUDAExecutionProvider', 'CPUExecutionProvider']",
    );
  }
  return [...providers];
}
