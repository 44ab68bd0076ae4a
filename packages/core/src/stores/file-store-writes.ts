import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Metric, Param } from '../entities.js';
import { InvalidArgumentError } from '../errors.js';
import { formatMetricLine } from './file-store-format.js';
import { isNotFound } from './file-store-layout.js';
import { mapLimit } from './file-store-runs.js';

/** Writing a run's `params/`, `tags/` and `metrics/` files, as MLflow 3.18's FileStore does. */

/** Files written at once (bounds open descriptors on big batches). */
const IO_CONCURRENCY = 16;

/** The file of a metric, param or tag key: keys with '/' are sub-directories. */
export function keyFile(runDir: string, folder: 'metrics' | 'params' | 'tags', key: string): string {
  return join(runDir, folder, ...key.split('/'));
}

/** Writes a param or tag file: the raw UTF-8 value, no trailing newline; creates parent folders. */
export function writeRaw(file: string, value: string): Promise<void> {
  return withParentDir(file, () => writeFile(file, value, 'utf8'));
}

/**
 * Runs a write; if the parent folder is missing (a key with '/' makes sub-folders), creates it
 * and writes again. The common case costs no extra syscall.
 */
async function withParentDir(file: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await mkdir(dirname(file), { recursive: true });
    await write();
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
    (w) => writeRaw(w.file, w.value),
  );
}

/**
 * Appends metric points: one `appendFile` per key per batch, lines `<ts> <python float> <step>`.
 * A batch retried after a partial failure (the uploader resends the same `metrics` array) skips
 * the keys it already appended, so no line is written twice.
 */
export class MetricAppender {
  private readonly appended = new WeakMap<readonly Metric[], Set<string>>();

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
      await appendKey(runDir, key, chunk);
      skip.add(key);
    });
  }
}

function appendKey(runDir: string, key: string, chunk: string): Promise<void> {
  const file = keyFile(runDir, 'metrics', key);
  return withParentDir(file, () => appendFile(file, chunk, 'utf8'));
}
