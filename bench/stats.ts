/** Small helpers for benchmark figures. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function fmtRate(pointsPerSecond: number): string {
  return `${Math.round(pointsPerSecond).toLocaleString('en-US')} points/s`;
}

export function ratio(a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a';
}

export function line(label: string, value: string, extra = ''): void {
  console.log(`  ${label.padEnd(58)} ${value.padStart(22)}  ${extra}`);
}
