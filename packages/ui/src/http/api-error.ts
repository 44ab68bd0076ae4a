/**
 * Errors as MLflow's REST API answers them: `{error_code, message}` with the HTTP status MLflow
 * maps each code to. Runlog's typed errors become their MLflow counterparts; anything else is an
 * INTERNAL_ERROR whose message never carries a stack.
 */
import {
  AlreadyExistsError,
  CorruptStoreError,
  InvalidArgumentError,
  InvalidFilterError,
  MlflowServerError,
  NetworkError,
  NotFoundError,
  RunlogError,
} from '@runlog/core';

/** An error the server answers as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const invalidParameter = (message: string) => new ApiError(400, 'INVALID_PARAMETER_VALUE', message);
export const notFound = (message: string) => new ApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);
export const endpointNotFound = (method: string, path: string) =>
  new ApiError(404, 'ENDPOINT_NOT_FOUND', `No API endpoint ${method} ${path} on this runlog ui server.`);
export const permissionDenied = (what: string) =>
  new ApiError(403, 'PERMISSION_DENIED', `${what} is refused: this runlog ui server is read-only (--read-only).`);

/** The ApiError a thrown value is answered with. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof InvalidFilterError || err instanceof InvalidArgumentError) return invalidParameter(err.message);
  if (err instanceof NotFoundError) return notFound(err.message);
  if (err instanceof AlreadyExistsError) return new ApiError(400, 'RESOURCE_ALREADY_EXISTS', err.message);
  if (err instanceof MlflowServerError) {
    const prefix = `${err.errorCode}: `;
    const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return new ApiError(err.status >= 400 && err.status < 600 ? err.status : 502, err.errorCode, message);
  }
  if (err instanceof NetworkError) return new ApiError(503, 'TEMPORARILY_UNAVAILABLE', err.message);
  if (err instanceof CorruptStoreError) return new ApiError(500, 'INTERNAL_ERROR', err.message);
  if (err instanceof RunlogError) return new ApiError(500, 'INTERNAL_ERROR', err.message);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return notFound('No such file or resource.');
  return new ApiError(500, 'INTERNAL_ERROR', 'Internal error in the runlog ui server (NODE_DEBUG=runlog shows details).');
}
