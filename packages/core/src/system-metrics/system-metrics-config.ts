import { InvalidArgumentError } from '../errors.js';

/**
 * When system metrics are logged, and how often: MLflow's switches and variables.
 * - `startRun({ logSystemMetrics })` wins when given;
 * - else enableSystemMetricsLogging() / disableSystemMetricsLogging(), which set
 *   MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING in this process as MLflow's functions do;
 * - else the variable itself (only true/false/1/0, as MLflow's boolean variables).
 * MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL (seconds, a float, default 10),
 * MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING (an integer, default 1) and
 * MLFLOW_SYSTEM_METRICS_NODE_ID (metric names become `system/<node id>/…`) are read at run start.
 */

export const ENABLE_ENV = 'MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING';
export const INTERVAL_ENV = 'MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL';
export const SAMPLES_ENV = 'MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING';
export const NODE_ID_ENV = 'MLFLOW_SYSTEM_METRICS_NODE_ID';

type Env = Record<string, string | undefined>;

/** Turns system metrics on for every run started from now on (a run can still opt out). */
export function enableSystemMetricsLogging(): void {
  process.env[ENABLE_ENV] = 'true';
}

/** Turns system metrics off for runs started from now on (a run can still opt in). */
export function disableSystemMetricsLogging(): void {
  process.env[ENABLE_ENV] = 'false';
}

/** Whether a run started with `explicit` (its logSystemMetrics option) logs system metrics. */
export function systemMetricsWanted(explicit: boolean | undefined, env: Env = process.env): boolean {
  if (explicit !== undefined) return explicit;
  const raw = env[ENABLE_ENV];
  if (raw === undefined || raw === '') return false;
  const v = raw.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new InvalidArgumentError(`${ENABLE_ENV} must be one of true, false, 1, 0; got '${raw}'.`);
}

export interface SystemMetricsSettings {
  intervalMs: number;
  samplesBeforeLogging: number;
  nodeId: string | undefined;
}

/** The sampling settings: explicit options, else MLflow's variables, else 10 s and 1 sample. */
export function systemMetricsSettings(
  opts: { intervalMs?: number | undefined; samplesBeforeLogging?: number | undefined; nodeId?: string | undefined } = {},
  env: Env = process.env,
): SystemMetricsSettings {
  const intervalSec = env[INTERVAL_ENV] ? Number(env[INTERVAL_ENV]) : undefined;
  if (intervalSec !== undefined && !(intervalSec > 0 && Number.isFinite(intervalSec))) {
    throw new InvalidArgumentError(`${INTERVAL_ENV} must be a positive number of seconds; got '${env[INTERVAL_ENV]}'.`);
  }
  const samplesRaw = env[SAMPLES_ENV];
  const samples = samplesRaw ? Number(samplesRaw) : undefined;
  if (samples !== undefined && !(Number.isInteger(samples) && samples > 0)) {
    throw new InvalidArgumentError(`${SAMPLES_ENV} must be a positive integer; got '${samplesRaw}'.`);
  }
  const intervalMs = opts.intervalMs ?? (intervalSec !== undefined ? intervalSec * 1000 : 10_000);
  const samplesBeforeLogging = opts.samplesBeforeLogging ?? samples ?? 1;
  if (!(intervalMs > 0)) throw new InvalidArgumentError(`System metrics interval must be positive; got ${intervalMs} ms.`);
  if (!(Number.isInteger(samplesBeforeLogging) && samplesBeforeLogging > 0)) {
    throw new InvalidArgumentError(`samplesBeforeLogging must be a positive integer; got ${samplesBeforeLogging}.`);
  }
  return { intervalMs, samplesBeforeLogging, nodeId: opts.nodeId ?? (env[NODE_ID_ENV] || undefined) };
}
