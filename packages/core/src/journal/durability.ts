import { BatchUploader, type BatchUploaderOptions } from '../batch-uploader.js';
import { InvalidArgumentError } from '../errors.js';
import { isTrackingServerStore, type TrackingStore } from '../store.js';
import { FailoverStore } from './failover-store.js';
import { JournaledQueue, type JournaledQueueOptions } from './journaled-queue.js';
import { defaultJournalDir } from './journal-location.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

/**
 * How logged records are kept until the server has them:
 * - 'memory': in memory only (what Python MLflow does); a crash or an outage longer than the
 *   process loses what is queued.
 * - 'journal' (the default for a tracking server): also appended to a local journal, fsynced at
 *   most every second and at flush()/endRun(); survives a crash of the process, and an outage of
 *   any length with bounded memory. `runlog sync` uploads what a dead process left.
 * - 'fsync-every-flush': as 'journal', with an fsync after every group write; survives a power
 *   loss too, at the cost of one fsync per group.
 * The local ./mlruns store writes straight to disk and needs no journal: it always uses 'memory'.
 */
export type Durability = 'memory' | 'journal' | 'fsync-every-flush';

export const DURABILITIES: readonly Durability[] = ['memory', 'journal', 'fsync-every-flush'];

export interface JournalOptions extends JournaledQueueOptions, Pick<JournalWriterOptions, 'commitIntervalMs' | 'fsyncIntervalMs' | 'segmentBytes' | 'fs' | 'exitLine'> {
  /** Journal root. Default RUNLOG_JOURNAL_DIR, else ~/.local/state/runlog/journal. */
  dir?: string | undefined;
}

type Env = Record<string, string | undefined>;

export function resolveDurability(wanted: Durability | undefined, env: Env): Durability {
  const value = wanted ?? (env.RUNLOG_DURABILITY as Durability | undefined) ?? 'journal';
  if (!DURABILITIES.includes(value)) {
    throw new InvalidArgumentError(`Unknown durability '${value}'; use one of ${DURABILITIES.join(', ')}.`);
  }
  return value;
}

export interface DurableTracking {
  store: FailoverStore;
  uploader: BatchUploader;
  queue: JournaledQueue;
  writer: JournalWriter;
}

/**
 * Wires a tracking server store for journaled durability: the failover store (runs start offline
 * when the server is away), the journal writer, and an uploader whose acknowledgements trim the
 * journal and whose memory is bounded by the queue's spilling (so its own drop limit is lifted).
 * Returns undefined for stores that get no journal: 'memory', and stores without the
 * trackingServer capability (the local store, a custom store that does not forward it).
 */
export function openDurableTracking(opts: {
  store: TrackingStore;
  trackingUri: string;
  durability: Durability;
  journal?: JournalOptions | undefined;
  uploader: BatchUploaderOptions;
  env: Env;
  onError: (err: Error) => void;
}): DurableTracking | undefined {
  if (opts.durability === 'memory' || !isTrackingServerStore(opts.store)) return undefined;
  const j = opts.journal ?? {};
  let warned = false;
  const writer = new JournalWriter({
    journalDir: j.dir ?? defaultJournalDir(opts.env),
    trackingUri: opts.trackingUri,
    fsync: opts.durability === 'fsync-every-flush' ? 'commit' : 'interval',
    commitIntervalMs: j.commitIntervalMs,
    fsyncIntervalMs: j.fsyncIntervalMs,
    segmentBytes: j.segmentBytes,
    fs: j.fs,
    exitLine: j.exitLine,
    // One clock for the whole journaled path: the writer's timers, the queue's and the uploader's.
    clock: opts.uploader.clock,
    onError: opts.onError,
  });
  const store = new FailoverStore(opts.store, {
    onRun: ({ id, sid, create }) =>
      writer.registerRun({
        id,
        ...(sid !== undefined ? { sid } : {}),
        create: {
          experimentId: create.experimentId,
          ...(create.experimentName !== undefined && create.experimentId === '' ? { experimentName: create.experimentName } : {}),
          startTime: create.startTime,
          runName: create.runName,
          userId: create.userId,
          tags: create.tags.map((t) => [t.key, t.value] as [string, string]),
        },
      }),
    onServerId: (id, sid) => writer.mapRun(id, sid),
    onOffline: (id, err) => {
      const message = `runlog: ${opts.store.displayUri} could not create a run now (${err.message}); run ${id} starts offline: its records go to the journal ${writer.sessionDir} and it is created on the server when the server answers.`;
      // Said once per client on stderr: the user should know their run id is a local one for now.
      if (!warned) process.stderr.write(`${message}\n`);
      warned = true;
      opts.onError(new Error(message));
    },
  });
  const uploader = new BatchUploader({
    ...opts.uploader,
    maxQueueSize: Infinity,
    store,
    onAck: (runId, w) => writer.ack(runId, w.metrics, w.params, w.tagOps),
  });
  // The server answers again: retries go out now instead of at the end of their backoff.
  store.presence.onOnline(() => uploader.wake());
  const queue = new JournaledQueue(writer, uploader, j, opts.uploader.clock);
  return { store, uploader, queue, writer };
}
