import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiParams } from './http/api-params.js';
import type { MetricSeries, SeriesRequest } from './metric-series.js';

/** The keys used by an experiment's runs, for the column chooser. */
export interface ExperimentKeys {
  params: string[];
  metrics: string[];
  tags: string[];
}

/**
 * What answers the ui server's API: the local store (LocalBackend) or an MLflow server
 * (RemoteBackend). The HTTP layer (ui-server.ts) does routing, read-only refusals and errors.
 */
export interface UiBackend {
  readonly mode: 'local' | 'server';
  /** The tracking URI for display (no credentials). */
  readonly displayUri: string;
  /** Starts work that makes the first queries fast (the local index's cold scan). */
  warm(): Promise<void>;
  /** One MLflow route (a key of MLFLOW_ROUTES), answered as JSON or written to `res` directly. */
  mlflow(route: string, method: string, params: ApiParams, req: IncomingMessage, res: ServerResponse, pathParam?: string): Promise<unknown>;
  /** MLflow's artifact proxy: `relPath` under `/api/2.0/mlflow-artifacts/artifacts/`. */
  artifactProxy(req: IncomingMessage, res: ServerResponse, relPath: string, query: URLSearchParams): Promise<void>;
  /** `/get-artifact?run_id=&path=`. */
  getArtifact(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void>;
  metricSeries(runId: string, key: string, req: SeriesRequest): Promise<MetricSeries>;
  experimentKeys(experimentIds: string[]): Promise<ExperimentKeys>;
  close(): Promise<void>;
}

/** Marks a handler result that was already written to the response. */
export const RESPONDED = Symbol('responded');
