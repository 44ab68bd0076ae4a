// Display formats shared by the pages: times, durations, numbers, sizes.

export function toNumber(value: number | string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

/** `2026-12-02 15:38:13` in the browser's time zone, or '' when unknown. */
export function formatTime(ms: number | string | undefined): string {
  const n = toNumber(ms);
  if (n === undefined || n <= 0) return '';
  const d = new Date(n);
  const pad = (x: number) => String(x).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `1h 02m`, `3m 05s`, `4.2s`, or '' when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)}s`;
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}h ${pad(m)}m` : `${m}m ${pad(s % 60)}s`;
}

/** A run's duration: end − start, or now − start while it runs. */
export function runDuration(info: { start_time?: number | string; end_time?: number | string; status: string }): number | undefined {
  const start = toNumber(info.start_time);
  if (start === undefined || start <= 0) return undefined;
  const end = toNumber(info.end_time);
  if (end !== undefined && end > 0) return end - start;
  return info.status === 'RUNNING' ? Date.now() - start : undefined;
}

/** A metric value with up to 6 significant digits. */
export function formatValue(value: number | string | undefined): string {
  if (value === undefined) return '';
  const n = typeof value === 'number' ? value : Number(value);
  if (typeof value === 'string' && !Number.isFinite(n)) return value;
  if (Number.isInteger(n)) return String(n);
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e6)) return n.toExponential(4);
  return String(Number(n.toPrecision(6)));
}

export function formatBytes(bytes: number | string | undefined): string {
  const n = toNumber(bytes);
  if (n === undefined) return '';
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
