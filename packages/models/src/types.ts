/**
 * The MLflow Model format's types, in camelCase, and the flavor contract every framework package
 * implements. Facts: /work/shared/reference/mlflow-compat.md §8-9 and MLflow's mlflow/models/*.
 */

/** numpy dtype names MLflow uses in tensor specs. */
export type NumpyDtype =
  | 'float16'
  | 'float32'
  | 'float64'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'str'
  | 'object';

/** MLflow's column (DataType) names. */
export type ColumnType = 'boolean' | 'integer' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'datetime';

export interface TensorSpec {
  type: 'tensor';
  name?: string | undefined;
  /** -1 marks a variable dimension (usually the batch). */
  tensorSpec: { dtype: NumpyDtype; shape: number[] };
}

export interface ColSpec {
  /** A scalar type name, or a composite as MLflow writes it ({type:'array',items}, {type:'object',properties}, ...). */
  type: ColumnType | 'array' | 'object' | 'map' | 'any';
  name?: string | undefined;
  required?: boolean | undefined;
  items?: unknown;
  properties?: unknown;
  values?: unknown;
}

export type Schema = { kind: 'tensor'; inputs: TensorSpec[] } | { kind: 'column'; inputs: ColSpec[] };

export interface ParamSpec {
  name: string;
  type: ColumnType | string;
  default: unknown;
  shape: number[] | null;
  /** For `type: 'object'` params: MLflow's `properties` map, as written. */
  properties?: unknown;
}

export interface ModelSignature {
  inputs: Schema;
  outputs?: Schema | undefined;
  params?: ParamSpec[] | undefined;
}

/** A tensor value as runlog moves it between user input, enforcement and a flavor. */
export interface TensorValue {
  dtype: NumpyDtype;
  dims: number[];
  /** Row-major data. Numeric dtypes use the matching typed array (BigInt64Array for int64/uint64). */
  data:
    | Float32Array
    | Float64Array
    | Int8Array
    | Int16Array
    | Int32Array
    | BigInt64Array
    | Uint8Array
    | Uint16Array
    | Uint32Array
    | BigUint64Array
    | boolean[]
    | string[];
}

/** Nested arrays of numbers/strings/booleans, as MLflow's JSON `inputs` carries them. */
export type NestedArray = Array<number | string | boolean | NestedArray>;

/**
 * What `predict` accepts: MLflow's `inputs` JSON (nested arrays for a single input, or
 * `{ inputName: nested arrays }`), typed arrays or TensorValues per input, or a framework's own
 * tensor (the flavor converts it).
 */
export type PredictInput = NestedArray | Record<string, NestedArray | TensorValue | ArrayLike<number>> | TensorValue | unknown;

/** `saved_input_example_info` in MLmodel. */
export interface SavedInputExampleInfo {
  artifactPath: string;
  type: 'ndarray' | 'json_object' | 'dataframe';
  servingInputPath?: string | undefined;
  pandasOrient?: 'split' | 'values' | undefined;
  /** 'true' when the example was saved with params (`{"inputs": ..., "params": ...}`). */
  params?: 'true' | undefined;
}

/** The MLmodel file. Unknown keys read from a file are kept in `extra` and written back. */
export interface MLmodel {
  artifactPath?: string | undefined;
  flavors: Record<string, Record<string, unknown>>;
  mlflowVersion?: string | undefined;
  modelId?: string | null | undefined;
  modelUuid: string;
  modelSizeBytes?: number | undefined;
  runId?: string | undefined;
  /** Python `str(datetime.utcnow())`, e.g. '2026-11-26 08:00:00.123456'. */
  utcTimeCreated: string;
  signature?: ModelSignature | undefined;
  savedInputExampleInfo?: SavedInputExampleInfo | undefined;
  metadata?: Record<string, unknown> | undefined;
  /** The runlog version that wrote the model (top-level `runlog_version`; Python MLflow keeps it as an extra key). */
  runlogVersion?: string | undefined;
  extra?: Record<string, unknown> | undefined;
}

export interface FlavorSaveOptions {
  /** A signature given by the user; the flavor infers one when absent and it can. */
  signature?: ModelSignature | undefined;
  /** Flavor-specific settings (e.g. ONNX providers, session options). */
  flavorOptions?: Record<string, unknown> | undefined;
  /**
   * The Python version the model's Python environment names (python_env.yaml, conda.yaml); a
   * flavor writing a `python_function` block puts it in `python_version` so both agree.
   */
  pythonVersion?: string | undefined;
}

export interface FlavorSaveResult {
  /** MLmodel `flavors` blocks this flavor writes (e.g. { onnx: {...}, python_function: {...} }). */
  flavors: Record<string, Record<string, unknown>>;
  /** Inferred from the model (ONNX session metadata, TF.js inputs/outputs) when not given. */
  signature?: ModelSignature | undefined;
  /** Node packages (name → exact version) the flavor needs at load time, for the environment spec. */
  nodePackages: Record<string, string>;
  /** pip requirements for Python to load it (empty when Python cannot). */
  pythonRequirements: string[];
}

export interface FlavorLoadOptions {
  flavorOptions?: Record<string, unknown> | undefined;
}

/** A loaded model of one flavor: tensors in, tensors out, by name. */
export interface FlavorModel {
  readonly inputNames: string[];
  readonly outputNames: string[];
  /**
   * The inputs the framework model declares (ONNX graph inputs, TF.js input layers), used to
   * enforce predict() input when the MLmodel has no signature. Optional.
   */
  readonly inputSpecs?: TensorSpec[] | undefined;
  /** The framework object (an InferenceSession, a tf.LayersModel). */
  readonly raw: unknown;
  run(inputs: Record<string, TensorValue>, params?: Record<string, unknown>): Promise<Record<string, TensorValue>>;
  /** Converts a framework tensor the user passed to predict(); undefined if it is not one. */
  fromFrameworkTensor?(value: unknown): TensorValue | undefined;
  dispose?(): Promise<void> | void;
}

/**
 * A flavor: one small module per framework implementing save, load, predict (via FlavorModel)
 * and signature inference. Registered with registerFlavor(); chosen from the model object by
 * `accepts`, or by name.
 */
export interface Flavor<M = unknown> {
  readonly name: string;
  /** True when `model` is something this flavor saves (a path to .onnx, bytes, a session, a tf model). */
  accepts(model: unknown): boolean;
  /** Writes the model's files into `dir` (which exists and is empty). */
  save(model: M, dir: string, opts: FlavorSaveOptions): Promise<FlavorSaveResult>;
  /** Loads from a model directory whose MLmodel has this flavor's block. */
  load(dir: string, mlmodel: MLmodel, opts: FlavorLoadOptions): Promise<FlavorModel>;
}
