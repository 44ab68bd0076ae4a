import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * NVIDIA GPUs through `nvidia-smi` (shipped with the driver, so no native addon is needed). One
 * query per sample returns every GPU as a CSV line; its figures become MLflow's GPU metric names.
 */

/** The fields asked for, in the order the CSV answers them. */
export const NVIDIA_SMI_QUERY = 'index,utilization.gpu,memory.used,memory.total,power.draw,power.limit';
export const NVIDIA_SMI_ARGS = [`--query-gpu=${NVIDIA_SMI_QUERY}`, '--format=csv,noheader,nounits'];

/** MiB, as nvidia-smi reports memory, to the megabytes (10^6 bytes) MLflow logs. */
const MIB_TO_MB = 1.048576;

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` output into MLflow's per-GPU
 * metric names (without the `system/` prefix). Values nvidia-smi cannot give ("[N/A]",
 * "[Not Supported]") are left out; the other metrics of that GPU remain.
 */
export function parseNvidiaSmiCsv(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const [index, util, memUsed, memTotal, power, powerLimit] = line.split(',').map((s) => num(s));
    if (index === undefined) continue;
    const p = `gpu_${index}_`;
    if (memUsed !== undefined && memTotal !== undefined && memTotal > 0) {
      out[`${p}memory_usage_percentage`] = Math.round((memUsed / memTotal) * 1000) / 10;
    }
    if (memUsed !== undefined) out[`${p}memory_usage_megabytes`] = memUsed * MIB_TO_MB;
    if (util !== undefined) out[`${p}utilization_percentage`] = util;
    if (power !== undefined) {
      out[`${p}power_usage_watts`] = power;
      if (powerLimit !== undefined && powerLimit > 0) out[`${p}power_usage_percentage`] = (power / powerLimit) * 100;
    }
  }
  return out;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (t === '' || t.startsWith('[')) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** The nvidia-smi executable on PATH, or undefined (checked once per monitor, without spawning). */
export function findNvidiaSmi(env: Record<string, string | undefined> = process.env): string | undefined {
  const names = process.platform === 'win32' ? ['nvidia-smi.exe'] : ['nvidia-smi'];
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

/** Runs one query (bounded by `timeoutMs`) and parses it; any failure gives no GPU metrics. */
export function queryNvidiaSmi(executable: string, timeoutMs = 5_000): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    execFile(executable, NVIDIA_SMI_ARGS, { timeout: timeoutMs, windowsHide: true }, (err, stdout) => {
      resolve(err ? {} : parseNvidiaSmiCsv(String(stdout)));
    });
  });
}
