import type { RecordSink } from './journaled-queue.js';
import { decodeMetrics, type JournalRecord, type MetricColumns } from './journal-format.js';

/**
 * Puts journaled records into an uploader, in order: records read back from the journal (a
 * spilled queue, `runlog sync`) and records a failed journal could not write. `from` skips the
 * first records of a group (those already acknowledged). Each returns how many it queued.
 */

export function feedMetrics(sink: RecordSink, runId: string, m: MetricColumns, from = 0): number {
  for (let i = from; i < m.n; i++) sink.addMetric(runId, m.ks[m.k[i]!]!, m.v[i]!, m.ts[i]!, m.st[i]!);
  return Math.max(0, m.n - from);
}

export function feedParams(sink: RecordSink, runId: string, kv: ReadonlyArray<[string, string]>, from = 0): number {
  for (let i = from; i < kv.length; i++) sink.addParam(runId, kv[i]![0], kv[i]![1]);
  return Math.max(0, kv.length - from);
}

export function feedTagOps(sink: RecordSink, runId: string, ops: ReadonlyArray<[string, string] | [string]>, from = 0): number {
  for (let i = from; i < ops.length; i++) {
    const op = ops[i]!;
    if (op.length === 2) sink.setTag(runId, op[0], op[1]);
    else sink.deleteTag(runId, op[0]);
  }
  return Math.max(0, ops.length - from);
}

/**
 * Feeds one record frame; other frames feed nothing. `acked` (per kind: metrics, params, tag
 * operations) skips the records of the frame below those watermarks.
 */
export function feedFrame(sink: RecordSink, rec: JournalRecord, acked: readonly number[] = [0, 0, 0]): number {
  switch (rec.t) {
    case 'm':
      return feedMetrics(sink, rec.r, decodeMetrics(rec), Math.max(0, acked[0]! - rec.o));
    case 'p':
      return feedParams(sink, rec.r, rec.kv, Math.max(0, acked[1]! - rec.o));
    case 'g':
      return feedTagOps(sink, rec.r, rec.ops, Math.max(0, acked[2]! - rec.o));
    default:
      return 0;
  }
}
