import { decodeF64, decodeU32 } from './frame-codec.js';

/**
 * The records a journal holds, one per frame (see frame-codec.ts). Every run's records are
 * numbered per kind (metrics, params, tag operations) from 0 in logging order; a frame carries the
 * number of its first record (`o`), and acknowledgements are watermarks: "the first N records of
 * this kind have reached the server". A segment file begins with `hello` and a restatement of
 * every live run (its `run` frame, mapping and watermarks), so older segments can be deleted once
 * their records are acknowledged and every segment replays on its own.
 *
 * Version 2 (this one) adds the record count to every frame's header (see frame-codec.ts) and the
 * `total` frame: how many records of each kind a run had written when a segment was opened and when
 * the session was closed. With the ordinals, these let a reader count exactly the records a damaged
 * frame held: the ordinals no valid frame covers below the highest known total.
 */

export const JOURNAL_FORMAT_VERSION = 2;

export type JournalRecord =
  | HelloRecord
  | RunRecord
  | ServerIdRecord
  | MetricsRecord
  | ParamsRecord
  | TagOpsRecord
  | EndRecord
  | AckRecord
  | TotalRecord
  | CloseRecord;

export interface HelloRecord {
  t: 'hello';
  v: number;
  /** The tracking URI the writing process logged to. */
  uri: string;
  pid: number;
  host: string;
  /** Milliseconds since the epoch when the segment was opened. */
  at: number;
}

/**
 * A run this journal logs into. `sid` is the server's run id once known; a run created while the
 * server was unreachable has only its local id (`id`) and the request to create it with.
 */
export interface RunRecord {
  t: 'run';
  id: string;
  sid?: string;
  create?: {
    /** '' when only experimentName is known. */
    experimentId: string;
    experimentName?: string | undefined;
    startTime: number;
    runName?: string | undefined;
    userId?: string | undefined;
    tags: Array<[string, string]>;
  };
}

/** The server created the run `id` as `sid`. */
export interface ServerIdRecord {
  t: 'sid';
  id: string;
  sid: string;
}

/** `n` metric points; the columns are base64 (see frame-codec.ts): `k` uint32 indexes into `ks`, the rest float64. */
export interface MetricsRecord {
  t: 'm';
  r: string;
  o: number;
  n: number;
  /** Distinct keys of the frame. */
  ks: string[];
  k: string;
  v: string;
  ts: string;
  st: string;
}

/** A metrics frame with its columns decoded. */
export interface MetricColumns {
  n: number;
  ks: string[];
  k: Uint32Array;
  v: Float64Array;
  ts: Float64Array;
  st: Float64Array;
}

export interface ParamsRecord {
  t: 'p';
  r: string;
  o: number;
  kv: Array<[string, string]>;
}

/** Tag operations in order: `[key, value]` sets, `[key]` deletes. */
export interface TagOpsRecord {
  t: 'g';
  r: string;
  o: number;
  ops: Array<[string, string] | [string]>;
}

/** The run was ended: apply after all of its records. */
export interface EndRecord {
  t: 'end';
  r: string;
  status: string;
  endTime: number;
}

/** Watermarks: the first m metrics, p params and g tag operations of run r are on the server; e: its end too. */
export interface AckRecord {
  t: 'ack';
  r: string;
  m: number;
  p: number;
  g: number;
  e?: true;
}

/** The first m metrics, p params and g tag operations of run r are in the journal (written before this frame). */
export interface TotalRecord {
  t: 'total';
  r: string;
  m: number;
  p: number;
  g: number;
}

/** The writing process closed the journal (it no longer appends to it). */
export interface CloseRecord {
  t: 'close';
  at: number;
}

export function decodeMetrics(rec: MetricsRecord): MetricColumns {
  return { n: rec.n, ks: rec.ks, k: decodeU32(rec.k), v: decodeF64(rec.v), ts: decodeF64(rec.ts), st: decodeF64(rec.st) };
}
