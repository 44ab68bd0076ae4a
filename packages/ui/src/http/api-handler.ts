import type { ApiParams } from './api-params.js';

/** One MLflow route's handler: its arguments in, the JSON answer out (errors thrown). */
export type ApiHandler = (params: ApiParams, pathParam?: string) => Promise<unknown>;
/** Handlers by route key (see routes.ts) and method ('*' for any allowed method). */
export type ApiHandlers = Record<string, ApiHandler | Record<string, ApiHandler>>;
