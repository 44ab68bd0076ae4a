import type { RunlogClient } from '../client.js';
import { debug } from '../debug.js';
import type { SystemMetricsSettings } from './system-metrics-config.js';
import { SystemMetricsMonitor, type MonitorTimers } from './system-metrics-monitor.js';
import { SystemSampler, type Sampler } from './system-sampler.js';

/** The system-metrics monitor of each run that has one (keyed by the run's handle object). */
const monitors = new WeakMap<object, SystemMetricsMonitor>();

export interface RunSystemMetricsOptions {
  /** Resume logging after the run's last system step (a resumed run), as MLflow does. */
  resume?: boolean | undefined;
  sampler?: Sampler | undefined;
  timers?: MonitorTimers | undefined;
}

/**
 * Starts logging system metrics for `runId` through `client` (each step's metrics are queued
 * like any logMetric call) and ties the monitor to `owner`, the run's handle, for
 * stopRunSystemMetrics. Never throws: a monitor that cannot start is reported to NODE_DEBUG=runlog.
 */
export function startRunSystemMetrics(
  owner: object,
  client: RunlogClient,
  runId: string,
  settings: SystemMetricsSettings,
  opts: RunSystemMetricsOptions = {},
): SystemMetricsMonitor | undefined {
  try {
    const prefix = `system/${settings.nodeId ? `${settings.nodeId}/` : ''}`;
    const monitor = new SystemMetricsMonitor({
      ...settings,
      sampler: opts.sampler ?? new SystemSampler(),
      timers: opts.timers,
      log(metrics, step, timestamp) {
        for (const [key, value] of Object.entries(metrics)) client.logMetric(runId, key, value, { step, timestamp });
      },
      firstStep: opts.resume ? () => nextSystemStep(client, runId, prefix) : undefined,
      onError: (err) => debug('system metrics of run %s: %s', runId, err instanceof Error ? err.message : String(err)),
    });
    monitor.start();
    monitors.set(owner, monitor);
    return monitor;
  } catch (err) {
    debug('system metrics of run %s not started: %s', runId, (err as Error).message);
    return undefined;
  }
}

/** Stops the monitor of `owner`'s run, if it has one; resolves when its last sample is done. */
export async function stopRunSystemMetrics(owner: object): Promise<void> {
  const monitor = monitors.get(owner);
  if (!monitor) return;
  monitors.delete(owner);
  await monitor.stop();
}

/** The step after the run's last system metric step (0 when it has none). */
async function nextSystemStep(client: RunlogClient, runId: string, prefix: string): Promise<number> {
  const history = await client.getMetricHistory(runId, `${prefix}cpu_utilization_percentage`);
  let max = -1;
  for (const m of history) if (m.step > max) max = m.step;
  return max + 1;
}
