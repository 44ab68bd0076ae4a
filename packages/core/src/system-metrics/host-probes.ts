import { readFileSync, statfsSync } from 'node:fs';
import { cpus, freemem, totalmem } from 'node:os';
import { parse as parsePath } from 'node:path';

/**
 * Raw readings of the machine, taken the way psutil takes the figures MLflow logs. On Linux they
 * come from /proc (one small file read each, no child process); elsewhere from Node's os module
 * where it has them. A probe that cannot read returns undefined and its metrics are left out.
 */

/** Cumulative CPU time of all cores (any unit): busy excludes idle and iowait, as psutil does. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export interface MemoryReading {
  usedBytes: number;
  totalBytes: number;
}

export interface DiskReading {
  usedBytes: number;
  /** Free for unprivileged users (f_bavail), as psutil reports it. */
  freeBytes: number;
}

export interface NetworkReading {
  receivedBytes: number;
  transmittedBytes: number;
}

export interface HostProbes {
  cpuTimes(): CpuTimes | undefined;
  memory(): MemoryReading | undefined;
  disk(): DiskReading | undefined;
  network(): NetworkReading | undefined;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already
  // counted in user and nice, so the total stops at steal.
  const fields = f.slice(0, 8);
  if (fields.length < 4 || fields.some((n) => !Number.isFinite(n))) return undefined;
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** /proc/meminfo to psutil's `used`: total − free − buffers − cached (cached includes SReclaimable). */
export function parseMeminfo(text: string): MemoryReading | undefined {
  const kb = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) kb.set(m[1]!, Number(m[2]) * 1024);
  }
  const total = kb.get('MemTotal');
  const free = kb.get('MemFree');
  if (total === undefined || free === undefined) return undefined;
  const cached = (kb.get('Cached') ?? 0) + (kb.get('SReclaimable') ?? 0);
  let used = total - free - (kb.get('Buffers') ?? 0) - cached;
  if (used < 0) used = total - free;
  return { usedBytes: used, totalBytes: total };
}

/** /proc/net/dev summed over every interface (loopback included, as psutil.net_io_counters()). */
export function parseNetDev(text: string): NetworkReading | undefined {
  let receivedBytes = 0;
  let transmittedBytes = 0;
  let seen = false;
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const f = line.slice(colon + 1).trim().split(/\s+/).map(Number);
    if (f.length < 9 || !Number.isFinite(f[0]) || !Number.isFinite(f[8])) continue;
    receivedBytes += f[0]!;
    transmittedBytes += f[8]!;
    seen = true;
  }
  return seen ? { receivedBytes, transmittedBytes } : undefined;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}

/** The probes of this machine; `diskPath` is the filesystem measured (default: the root of the working directory). */
export function defaultHostProbes(diskPath: string = parsePath(process.cwd()).root): HostProbes {
  const linux = process.platform === 'linux';
  return {
    cpuTimes() {
      const proc = linux ? readProc('/proc/stat') : undefined;
      if (proc !== undefined) return parseProcStat(proc);
      let busy = 0;
      let total = 0;
      for (const c of cpus()) {
        const t = c.times;
        const all = t.user + t.nice + t.sys + t.idle + t.irq;
        total += all;
        busy += all - t.idle;
      }
      return total > 0 ? { busy, total } : undefined;
    },
    memory() {
      const proc = linux ? readProc('/proc/meminfo') : undefined;
      if (proc !== undefined) return parseMeminfo(proc);
      return { usedBytes: totalmem() - freemem(), totalBytes: totalmem() };
    },
    disk() {
      try {
        const s = statfsSync(diskPath);
        return { usedBytes: (s.blocks - s.bfree) * s.bsize, freeBytes: s.bavail * s.bsize };
      } catch {
        return undefined;
      }
    },
    network() {
      const proc = linux ? readProc('/proc/net/dev') : undefined;
      return proc === undefined ? undefined : parseNetDev(proc);
    },
  };
}
