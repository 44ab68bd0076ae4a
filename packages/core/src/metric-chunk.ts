/**
 * Columnar storage for queued metric points: one chunk holds up to CHUNK_SIZE points of one run in
 * typed arrays, so a logged point costs four array stores and no object allocation. A chunk is
 * consumed from `start` as batches take points out.
 */
export const CHUNK_SIZE = 1000;

export class MetricChunk {
  readonly keys: string[] = new Array<string>(CHUNK_SIZE);
  readonly values = new Float64Array(CHUNK_SIZE);
  readonly timestamps = new Float64Array(CHUNK_SIZE);
  readonly steps = new Float64Array(CHUNK_SIZE);
  /** Points written. */
  length = 0;
  /** Points already taken into batches. */
  start = 0;

  get full(): boolean {
    return this.length === CHUNK_SIZE;
  }

  get remaining(): number {
    return this.length - this.start;
  }
}
