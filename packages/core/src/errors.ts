/**
 * One error hierarchy with stable codes. Every error runlog throws or rejects with is a RunlogError;
 * `code` is stable across releases and is what programs should branch on. The table in the README
 * ("Errors") lists them; errors.test.ts keeps that table, the codes and the classes in step.
 */

export class RunlogError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A bad argument at the call site: an invalid key, a non-number metric, a changed param value. */
export class InvalidArgumentError extends RunlogError {
  constructor(message: string, options?: ErrorOptions) {
    super('RUNLOG_ERR_INVALID_ARGUMENT', message, options);
  }
}

/** An operation that needs an active run was called without one. */
export class NoActiveRunError extends RunlogError {
  constructor(message = 'No active run: call startRun() first or pass a run id.') {
    super('RUNLOG_ERR_NO_ACTIVE_RUN', message);
  }
}

/** startRun() without `nested: true` while a run is already active in this context. */
export class RunAlreadyActiveError extends RunlogError {
  constructor(runId: string) {
    super(
      'RUNLOG_ERR_RUN_ALREADY_ACTIVE',
      `Run ${runId} is already active. End it with endRun(), or start this one with { nested: true }.`,
    );
  }
}

/** The store says the thing does not exist (MLflow RESOURCE_DOES_NOT_EXIST / 404). */
export class NotFoundError extends RunlogError {
  constructor(message: string, options?: ErrorOptions) {
    super('RUNLOG_ERR_NOT_FOUND', message, options);
  }
}

/** The MLflow server answered with an error. `errorCode` is MLflow's (e.g. INVALID_PARAMETER_VALUE). */
export class MlflowServerError extends RunlogError {
  readonly status: number;
  readonly errorCode: string;
  constructor(status: number, errorCode: string, message: string, options?: ErrorOptions) {
    super('RUNLOG_ERR_SERVER', `${errorCode}: ${message}`, options);
    this.status = status;
    this.errorCode = errorCode;
  }
}

/**
 * The server 401/403: it answered, and refused the credentials (MLFLOW_TRACKING_TOKEN, or
 * MLFLOW_TRACKING_USERNAME/PASSWORD) or their rights. Not an outage: sending again does not help.
 */
export class CredentialsRefusedError extends MlflowServerError {}

/**
 * The server could not be reached after retries. `reason` says why: 'refused' (nothing listens),
 * 'dns' (the host name did not resolve), 'tls' (handshake failed: http server behind an https://
 * URI, untrusted certificate), 'connect-timeout', 'timeout' (no answer in time), 'reset', 'other';
 * the message says what to check.
 */
export class NetworkError extends RunlogError {
  readonly reason: 'refused' | 'dns' | 'tls' | 'connect-timeout' | 'timeout' | 'reset' | 'other';
  constructor(message: string, options?: ErrorOptions & { reason?: NetworkError['reason'] }) {
    super('RUNLOG_ERR_NETWORK', message, options);
    this.reason = options?.reason ?? 'other';
  }
}

/**
 * endRun()/close() could not deliver everything before its deadline. `unsent` counts the records
 * (metric points, params, tag operations) still waiting; they stay queued and keep retrying.
 */
export class UnsentRecordsError extends RunlogError {
  readonly unsent: number;
  constructor(unsent: number, detail: string) {
    super('RUNLOG_ERR_UNSENT_RECORDS', `${unsent} record(s) were not delivered: ${detail}`);
    this.unsent = unsent;
  }
}

/** A malformed file in a local store (bad meta.yaml, unparsable metric line). */
export class CorruptStoreError extends RunlogError {
  constructor(message: string, options?: ErrorOptions) {
    super('RUNLOG_ERR_CORRUPT_STORE', message, options);
  }
}

/**
 * The local store could not write to its disk: full (ENOSPC), over quota (EDQUOT), read-only
 * (EROFS) or failing (EIO). `errno` names the cause and `path` the file. Records that met it stay
 * queued and are written once the disk takes them again; `unsent` (set when endRun or close gives
 * up) counts them.
 */
export class StoreWriteError extends RunlogError {
  readonly errno: string;
  readonly path: string;
  readonly unsent: number | undefined;
  constructor(errno: string, path: string, message: string, options?: ErrorOptions & { unsent?: number }) {
    super('RUNLOG_ERR_STORE_WRITE', message, options);
    this.errno = errno;
    this.path = path;
    this.unsent = options?.unsent;
  }
}

/** A search filter or order-by clause that MLflow's grammar does not accept. */
export class InvalidFilterError extends RunlogError {
  constructor(message: string) {
    super('RUNLOG_ERR_INVALID_FILTER', message);
  }
}

/** The client was closed; further calls are refused. */
export class ClosedError extends RunlogError {
  constructor() {
    super('RUNLOG_ERR_CLOSED', 'This runlog client has been closed.');
  }
}


/** The upload queue reached maxQueueSize; further records are dropped and counted in stats(). */
export class QueueFullError extends RunlogError {
  constructor(maxQueueSize: number) {
    super(
      'RUNLOG_ERR_QUEUE_FULL',
      `The upload queue is full (${maxQueueSize} records): new records are being dropped; see stats().dropped.`,
    );
  }
}

/** A model directory that is not a valid MLflow Model: a corrupt MLmodel, a missing model file. */
export class ModelFormatError extends RunlogError {
  constructor(message: string, options?: ErrorOptions) {
    super('RUNLOG_ERR_MODEL_FORMAT', message, options);
  }
}

/** No flavor can save this model object, or none of the model's flavors is available to load it. */
export class UnknownFlavorError extends RunlogError {
  constructor(message: string) {
    super('RUNLOG_ERR_UNKNOWN_FLAVOR', message);
  }
}

/**
 * predict() input that does not match the model's signature. `input` names the offending input,
 * `expected` and `received` say what the signature wants and what came.
 */
export class SchemaMismatchError extends RunlogError {
  constructor(
    message: string,
    readonly input?: string,
    readonly expected?: string,
    readonly received?: string,
  ) {
    super('RUNLOG_ERR_SCHEMA_MISMATCH', message);
  }
}

/** A model URI runlog cannot resolve (bad form, unsupported scheme, path traversal). */
export class InvalidModelUriError extends RunlogError {
  constructor(message: string) {
    super('RUNLOG_ERR_INVALID_MODEL_URI', message);
  }
}

/**
 * The thing to create already exists: a registered model name taken (MLflow's
 * RESOURCE_ALREADY_EXISTS, which servers send as HTTP 400). On a server the MlflowServerError is
 * the `cause`.
 */
export class AlreadyExistsError extends RunlogError {
  constructor(message: string, options?: ErrorOptions) {
    super('RUNLOG_ERR_ALREADY_EXISTS', message, options);
  }
}

/**
 * Internal, never public (not in ERROR_CODES, not exported by the package index): thrown by a
 * store for an outcome that may succeed if sent again. The uploader backs off on it (honouring
 * the server's Retry-After); a caller of a public method gets `underlying`, the typed error of
 * the hierarchy above (see public-errors.ts).
 */
export class RetryableError extends RunlogError {
  readonly retryAfter: string | null;
  constructor(message: string, retryAfter: string | null, readonly underlying: RunlogError) {
    super(underlying.code, message, { cause: underlying });
    this.retryAfter = retryAfter;
  }
}

/** Every error class with its code, for the docs table test. */
export const ERROR_CODES = {
  RUNLOG_ERR_INVALID_ARGUMENT: InvalidArgumentError,
  RUNLOG_ERR_NO_ACTIVE_RUN: NoActiveRunError,
  RUNLOG_ERR_RUN_ALREADY_ACTIVE: RunAlreadyActiveError,
  RUNLOG_ERR_NOT_FOUND: NotFoundError,
  RUNLOG_ERR_SERVER: MlflowServerError,
  RUNLOG_ERR_NETWORK: NetworkError,
  RUNLOG_ERR_UNSENT_RECORDS: UnsentRecordsError,
  RUNLOG_ERR_CORRUPT_STORE: CorruptStoreError,
  RUNLOG_ERR_STORE_WRITE: StoreWriteError,
  RUNLOG_ERR_INVALID_FILTER: InvalidFilterError,
  RUNLOG_ERR_CLOSED: ClosedError,
  RUNLOG_ERR_QUEUE_FULL: QueueFullError,
  RUNLOG_ERR_MODEL_FORMAT: ModelFormatError,
  RUNLOG_ERR_UNKNOWN_FLAVOR: UnknownFlavorError,
  RUNLOG_ERR_SCHEMA_MISMATCH: SchemaMismatchError,
  RUNLOG_ERR_INVALID_MODEL_URI: InvalidModelUriError,
  RUNLOG_ERR_ALREADY_EXISTS: AlreadyExistsError,
} as const;
