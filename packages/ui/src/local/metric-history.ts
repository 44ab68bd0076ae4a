/**
 * A metric's full history in columns (steps, timestamps, values as Float64Arrays), in file order.
 * A 1,000,000-point history is 24 MB here instead of a million objects.
 */
import type { Metric } from '@runlog/core';

export class MetricHistory {
  length = 0;
  steps: Float64Array;
  timestamps: Float64Array;
  values: Float64Array;

  constructor(
    readonly key: string,
    capacity = 64,
  ) {
    this.steps = new Float64Array(capacity);
    this.timestamps = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  push(timestamp: number, value: number, step: number): void {
    if (this.length === this.steps.length) this.grow(this.length * 2);
    const i = this.length++;
    this.steps[i] = step;
    this.timestamps[i] = timestamp;
    this.values[i] = value;
  }

  point(i: number): Metric {
    return { key: this.key, value: this.values[i]!, timestamp: this.timestamps[i]!, step: this.steps[i]! };
  }

  /** Every point as a Metric (for callers that want objects). */
  toMetrics(): Metric[] {
    const out = new Array<Metric>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.point(i);
    return out;
  }

  private grow(capacity: number): void {
    const grow = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a.subarray(0, this.length));
      return b;
    };
    this.steps = grow(this.steps);
    this.timestamps = grow(this.timestamps);
    this.values = grow(this.values);
  }
}

/** A history from points (the server mode's pages, tests). */
export function historyFromMetrics(key: string, points: readonly Metric[]): MetricHistory {
  const h = new MetricHistory(key, Math.max(points.length, 1));
  for (const p of points) h.push(p.timestamp, p.value, p.step);
  return h;
}
