/**
 * Errors the scoring server answers with, in MLflow's JSON error shape
 * `{"error_code": ..., "message": ..., "stack_trace"?: ...}`. The status codes are MLflow's
 * (mlflow/pyfunc/scoring_server/__init__.py, mlflow/exceptions.py); where MLflow answers in plain
 * text (415) or not at all (413), runlog keeps the status and answers in the same JSON shape.
 */

/** MLflow's error codes the server uses (databricks_pb2.ErrorCode names). */
export type ScoringErrorCode =
  | 'BAD_REQUEST'
  | 'INVALID_PARAMETER_VALUE'
  | 'ENDPOINT_NOT_FOUND'
  | 'REQUEST_LIMIT_EXCEEDED'
  | 'DEADLINE_EXCEEDED'
  | 'TEMPORARILY_UNAVAILABLE'
  | 'INTERNAL_ERROR';

/** What one failed request is answered with. */
export class ScoringError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: ScoringErrorCode,
    message: string,
    readonly stackTrace?: string,
  ) {
    super(message);
    this.name = 'ScoringError';
  }

  /** The response body. */
  toJson(): string {
    const body: Record<string, string> = { error_code: this.errorCode, message: this.message };
    if (this.stackTrace !== undefined) body.stack_trace = this.stackTrace;
    return JSON.stringify(body);
  }
}

/** 400 BAD_REQUEST: a request the protocol does not accept (malformed JSON, wrong keys). */
export function badRequest(message: string): ScoringError {
  return new ScoringError(400, 'BAD_REQUEST', message);
}

/** MLflow's explanation appended to protocol errors that old (1.x) clients typically cause. */
export const SCORING_PROTOCOL_CHANGE_INFO =
  'IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, ' +
  'you are likely using an outdated scoring request format: send a JSON object with exactly one of ' +
  "'dataframe_split', 'dataframe_records', 'instances' or 'inputs' (plus optional 'params'). " +
  'See https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.';
