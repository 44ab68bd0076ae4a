// The one place the app talks HTTP. Every request goes to the same origin as the page (the
// `runlog ui` server), which answers MLflow's REST API and runlog's own routes; errors come back in
// MLflow's shape `{error_code, message}` and surface here as an ApiError the pages can show inline.

/** A failed request: the HTTP status and MLflow's error code and message when the server sent them. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** MLflow's REST prefix, as MLflow's own UI uses it. */
export const MLFLOW_API = '/ajax-api/2.0/mlflow';
/** runlog's own routes (info, experiment keys, downsampled metric series). */
export const RUNLOG_API = '/runlog-api/v1';

type Query = Record<string, string | number | undefined | readonly string[]>;

/** `path?query` with repeated keys for arrays and undefined values left out. */
export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send<T>(method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      signal,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'NETWORK_ERROR', `cannot reach the runlog ui server (${(error as Error).message})`);
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    // not JSON: keep the text for the message below
  }
  if (!response.ok) {
    const shaped = (json ?? {}) as { error_code?: string; message?: string };
    throw new ApiError(
      response.status,
      shaped.error_code ?? `HTTP_${response.status}`,
      shaped.message ?? (text.slice(0, 300) || response.statusText),
    );
  }
  return (json ?? {}) as T;
}

export function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  return send<T>('GET', withQuery(path, query), undefined, signal);
}

export function postJson<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  return send<T>('POST', path, body, signal);
}

export function deleteJson<T>(path: string, body: unknown): Promise<T> {
  return send<T>('DELETE', path, body);
}
