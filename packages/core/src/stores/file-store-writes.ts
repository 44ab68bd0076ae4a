import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Metric, Param } from '../entities.js';
import { InvalidArgumentError } from '../errors.js';
import { formatMetricLine } from './file-store-format.js';
import { isNotFound, writeFileAtomic } from './file-store-layout.js';
import { mapLimit } from './file-store-runs.js';
import { appendLines } from './metric-file-append.js';

/** Writing a run's `params/`, `tags/` and `metrics/` files, as MLflow 3.18's FileStore does. */

/** Files written at once (bounds open descriptors on big batches). */
const IO_CONCURRENCY = 16;

/** The file of a metric, param or tag key: keys with '/' are sub-directories. */
export function keyFile(runDir: string, folder: 'metrics' | 'params' | 'tags', key: string): string {
  return join(runDir, folder, ...key.split('/'));
}

/**
 * Writes a param or tag file: the raw UTF-8 value, no trailing newline; creates parent folders.
 * Atomic (temp file and rename): a reader, runlog's or MLflow's, sees the old value or the new one,
 * never an empty file, even when the process is killed mid-write. The temp file is made in
 * `entityDir` (the run, experiment or model folder holding `tags/`), where MLflow reads no
 * files as tags or params, so a temp file a crash leaves behind is never mistaken for a key.
 */
export async function writeRaw(file: string, value: string, entityDir: string): Promise<void> {
  try {
    await writeFileAtomic(file, value, entityDir);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await mkdir(dirname(file), { recursive: true });
    await writeFileAtomic(file, value, entityDir);
  }
}

/**
 * Writes params, write-once: an identical value is a no-op, a different one rejects with MLflow's
 * message. Every param is checked before any is written, so a rejected batch changes nothing.
 */
export async function writeParams(runDir: string, runId: string, params: readonly Param[]): Promise<void> {
  const fresh = await mapLimit(params, IO_CONCURRENCY, async (p) => {
    const file = keyFile(runDir, 'params', p.key);
    const current = await readFile(file, 'utf8').catch((err) => (isNotFound(err) ? undefined : Promise.reject(err)));
    if (current !== undefined && current !== p.value) {
      throw new InvalidArgumentError(
        `Changing param values is not allowed. Param with key='${p.key}' was already logged with ` +
          `value='${current}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
      );
    }
    return current === undefined ? { file, value: p.value } : null;
  });
  await mapLimit(
    fresh.filter((w) => w !== null),
    IO_CONCURRENCY,
    (w) => writeRaw(w.file, w.value, runDir),
  );
}

/**
 * Appends metric points: one exact append per key per batch (see appendLines), lines
 * `<ts> <python float> <step>`. A batch retried after a failure (the uploader resends the same
 * `metrics` array) skips the keys it already appended; the key that failed was cut back to its
 * length before the append, so no line is ever written twice.
 */
export class MetricAppender {
  private readonly appended = new WeakMap<readonly Metric[], Set<string>>();
  /** Files whose failed append could not be cut back yet: path → length to cut back to first. */
  private readonly cuts = new Map<string, number>();

  async append(runDir: string, metrics: readonly Metric[]): Promise<void> {
    const chunks = new Map<string, string>();
    for (const m of metrics) chunks.set(m.key, (chunks.get(m.key) ?? '') + formatMetricLine(m));
    let done = this.appended.get(metrics);
    if (done === undefined) {
      done = new Set();
      this.appended.set(metrics, done);
    }
    const skip = done;
    await mapLimit([...chunks].filter(([key]) => !skip.has(key)), IO_CONCURRENCY, async ([key, chunk]) => {
      await appendLines(keyFile(runDir, 'metrics', key), chunk, runDir, this.cuts);
      skip.add(key);
    });
  }
}
