import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { defaultHostProbes, type CpuTimes, type HostProbes, type NetworkReading } from './host-probes.js';
import { findNvidiaSmi, queryNvidiaSmi } from './nvidia-smi.js';

/**
 * One sample of the machine and of this Node process, under MLflow's metric names (without the
 * `system/` prefix) plus Node's own figures under `node_*` names:
 * - cpu_utilization_percentage: all cores, busy share of the CPU time since the previous sample;
 * - system_memory_usage_megabytes / _percentage, disk_usage_percentage / _megabytes,
 *   disk_available_megabytes: as psutil computes them (megabytes are 10^6 bytes);
 * - network_receive_megabytes / network_transmit_megabytes: bytes since monitoring started;
 * - gpu_<i>_* from nvidia-smi when it is installed;
 * - node_event_loop_lag_ms (mean delay of this process's event loop since the previous sample),
 *   node_heap_used_megabytes, node_rss_megabytes, node_cpu_utilization_percentage (this
 *   process's CPU time as a share of one core).
 */
export interface Sampler {
  /** Takes the baselines (CPU times, network counters) the first sample is measured from. */
  start(): void;
  /** Never rejects: a probe that fails leaves its metrics out. */
  sample(): Promise<Record<string, number>>;
  stop(): void;
}

/** Metrics that are cumulative: a logging step reports the last sample, not the mean (as MLflow). */
export const LAST_VALUE_METRICS: ReadonlySet<string> = new Set(['network_receive_megabytes', 'network_transmit_megabytes']);

export interface SystemSamplerOptions {
  probes?: HostProbes | undefined;
  /** GPU metrics of one sample; default: nvidia-smi when it is on PATH, else none. */
  gpu?: (() => Promise<Record<string, number>>) | null | undefined;
  /** Process figures; default: this process. */
  processProbe?: ProcessProbe | undefined;
  /** Wall clock in ms, for this process's CPU share. */
  now?: (() => number) | undefined;
}

export interface ProcessProbe {
  /** User + system CPU time of this process, in microseconds. */
  cpuMicros(): number;
  heapUsedBytes(): number;
  rssBytes(): number;
  /** Mean event-loop delay since the last call, in ms (undefined when unknown); resets the measure. */
  takeEventLoopLagMs(): number | undefined;
  start(): void;
  stop(): void;
}

/**
 * This process, with the event-loop delay from perf_hooks' histogram (a native timer, no JS
 * wake-ups). Its timer runs all the time, so its resolution sets most of the sampler's cost:
 * 100 ms costs about a fifth of 20 ms (see the system-metrics benchmark) and still sees any
 * blocking longer than a tenth of a second.
 */
export function currentProcessProbe(resolutionMs = 100): ProcessProbe {
  let histogram: IntervalHistogram | undefined;
  return {
    cpuMicros() {
      const u = process.cpuUsage();
      return u.user + u.system;
    },
    heapUsedBytes: () => process.memoryUsage().heapUsed,
    rssBytes: () => process.memoryUsage.rss(),
    takeEventLoopLagMs() {
      if (!histogram || histogram.count === 0) return undefined;
      // The histogram counts the whole delay between ticks: the resolution itself is not lag.
      const mean = Math.max(0, histogram.mean / 1e6 - resolutionMs);
      histogram.reset();
      return mean;
    },
    start() {
      histogram ??= monitorEventLoopDelay({ resolution: resolutionMs });
      histogram.enable();
    },
    stop() {
      histogram?.disable();
    },
  };
}

const MB = 1e6;
const round1 = (x: number) => Math.round(x * 10) / 10;

export class SystemSampler implements Sampler {
  private readonly probes: HostProbes;
  private readonly gpu: (() => Promise<Record<string, number>>) | undefined;
  private readonly proc: ProcessProbe;
  private readonly now: () => number;
  private lastCpu: CpuTimes | undefined;
  private baseNet: NetworkReading | undefined;
  private lastProcCpu = 0;
  private lastWall = 0;

  constructor(opts: SystemSamplerOptions = {}) {
    this.probes = opts.probes ?? defaultHostProbes();
    if (opts.gpu === null) this.gpu = undefined;
    else if (opts.gpu) this.gpu = opts.gpu;
    else {
      const smi = findNvidiaSmi();
      this.gpu = smi ? () => queryNvidiaSmi(smi) : undefined;
    }
    this.proc = opts.processProbe ?? currentProcessProbe();
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.lastCpu = safe(() => this.probes.cpuTimes());
    this.baseNet = safe(() => this.probes.network());
    this.lastProcCpu = safe(() => this.proc.cpuMicros()) ?? 0;
    this.lastWall = this.now();
    safe(() => this.proc.start());
  }

  stop(): void {
    safe(() => this.proc.stop());
  }

  async sample(): Promise<Record<string, number>> {
    const m: Record<string, number> = {};
    const cpu = safe(() => this.probes.cpuTimes());
    if (cpu && this.lastCpu && cpu.total > this.lastCpu.total) {
      m.cpu_utilization_percentage = round1(((cpu.busy - this.lastCpu.busy) / (cpu.total - this.lastCpu.total)) * 100);
    }
    if (cpu) this.lastCpu = cpu;
    const mem = safe(() => this.probes.memory());
    if (mem && mem.totalBytes > 0) {
      m.system_memory_usage_megabytes = mem.usedBytes / MB;
      m.system_memory_usage_percentage = (mem.usedBytes / mem.totalBytes) * 100;
    }
    const disk = safe(() => this.probes.disk());
    if (disk && disk.usedBytes + disk.freeBytes > 0) {
      m.disk_usage_percentage = round1((disk.usedBytes / (disk.usedBytes + disk.freeBytes)) * 100);
      m.disk_usage_megabytes = disk.usedBytes / MB;
      m.disk_available_megabytes = disk.freeBytes / MB;
    }
    const net = safe(() => this.probes.network());
    if (net && this.baseNet) {
      m.network_receive_megabytes = (net.receivedBytes - this.baseNet.receivedBytes) / MB;
      m.network_transmit_megabytes = (net.transmittedBytes - this.baseNet.transmittedBytes) / MB;
    }
    if (this.gpu) {
      try {
        Object.assign(m, await this.gpu());
      } catch {
        // no GPU figures this time
      }
    }
    this.sampleProcess(m);
    return m;
  }

  private sampleProcess(m: Record<string, number>): void {
    const lag = safe(() => this.proc.takeEventLoopLagMs());
    if (lag !== undefined) m.node_event_loop_lag_ms = lag;
    const heap = safe(() => this.proc.heapUsedBytes());
    if (heap !== undefined) m.node_heap_used_megabytes = heap / MB;
    const rss = safe(() => this.proc.rssBytes());
    if (rss !== undefined) m.node_rss_megabytes = rss / MB;
    const cpuMicros = safe(() => this.proc.cpuMicros());
    const wall = this.now();
    if (cpuMicros !== undefined && wall > this.lastWall) {
      m.node_cpu_utilization_percentage = ((cpuMicros - this.lastProcCpu) / 1000 / (wall - this.lastWall)) * 100;
      this.lastProcCpu = cpuMicros;
      this.lastWall = wall;
    }
  }
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}
