/**
 * A fixed-size latency histogram with log-scale buckets, for percentiles on the inference hot
 * path: recording is O(1) with no allocation (one Math.log2 and an increment in a Uint32Array),
 * and memory does not grow with the number of calls. 16 buckets per octave from 2^-10 ms (~1 µs)
 * to 2^17 ms (~131 s): a percentile is reported as its bucket's geometric midpoint, within ~2.2%
 * of the true value (clamped to the smallest and largest latency seen, so a window of identical
 * calls reports them exactly). Latencies outside the range land in the end buckets, which report
 * the smallest and largest latency seen.
 */

const BUCKETS_PER_OCTAVE = 16;
const MIN_OCTAVE = -10;
const MAX_OCTAVE = 17;
const SIZE = (MAX_OCTAVE - MIN_OCTAVE) * BUCKETS_PER_OCTAVE;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(SIZE);
  /** Latencies recorded since the last reset. */
  count = 0;
  min = Infinity;
  max = -Infinity;

  record(ms: number): void {
    let i = Math.floor((Math.log2(ms) - MIN_OCTAVE) * BUCKETS_PER_OCTAVE);
    if (!(i >= 0)) i = 0; // also 0 ms (-Infinity) and NaN
    else if (i >= SIZE) i = SIZE - 1;
    this.counts[i]!++;
    this.count++;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /**
   * The latencies at the given quantiles (each in [0, 1], ascending), nearest-rank, in one pass
   * over the buckets; NaN for each when nothing was recorded.
   */
  quantiles(qs: readonly number[]): number[] {
    const out = qs.map(() => NaN);
    if (this.count === 0) return out;
    let q = 0;
    let seen = 0;
    for (let i = 0; i < SIZE && q < qs.length; i++) {
      seen += this.counts[i]!;
      while (q < qs.length && seen >= Math.max(1, Math.ceil(qs[q]! * this.count))) {
        // The end buckets are open-ended: the extreme actually seen is the better estimate there.
        const mid = i === 0 ? this.min : i === SIZE - 1 ? this.max : 2 ** (MIN_OCTAVE + (i + 0.5) / BUCKETS_PER_OCTAVE);
        out[q++] = Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return out;
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}
