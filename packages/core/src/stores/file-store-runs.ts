import { readFile } from 'node:fs/promises';
import { listFilesRecursive } from '../fs-walk.js';
import { join } from 'node:path';
import type { Metric, RunData } from '../entities.js';
import { CorruptStoreError } from '../errors.js';
import { parseMetricLine } from './file-store-format.js';
import { warnOnce } from './store-warnings.js';

/** Reading a run directory's `metrics/`, `params/` and `tags/`, as MLflow 3.18's FileStore does. */

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order of results. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}


/** Reads every file under `dir` as key → raw UTF-8 value (params, run tags, experiment tags). */
export async function readKeyValueDir(dir: string): Promise<Record<string, string>> {
  const keys = await listFilesRecursive(dir);
  const values = await mapLimit(keys, 32, (key) => readFile(join(dir, ...key.split('/')), 'utf8'));
  const out: Record<string, string> = {};
  keys.forEach((key, i) => (out[key] = values[i]!));
  return out;
}

/**
 * All points of one metric file in file order. Every line MLflow and runlog write ends in '\n':
 * a last line without one was torn by a crash mid-write and is skipped, as is an empty file, each
 * with one warning (the next append cuts the torn bytes off). Any other malformed line throws
 * CorruptStoreError naming the file.
 */
export async function readMetricFile(file: string, key: string): Promise<Metric[]> {
  const text = await readFile(file, 'utf8');
  if (text === '') {
    warnOnce('RUNLOG_EMPTY_METRIC_FILE', file, `runlog: metric file ${file} is empty (a write that never finished); it is skipped.`);
    return [];
  }
  const lines = text.split('\n');
  const torn = lines.pop()!;
  if (torn !== '') {
    warnOnce(
      'RUNLOG_TORN_LINE',
      file,
      `runlog: the last line of ${file} is torn (a write that never finished): ${JSON.stringify(torn.slice(0, 80))} is skipped.`,
    );
  }
  return lines.map((line, i) => {
    const parsed = parseMetricLine(line);
    if (typeof parsed === 'string') {
      throw new CorruptStoreError(`Metric '${key}' is malformed in ${file}, line ${i + 1}: ${parsed}.`);
    }
    return { key, ...parsed };
  });
}

/**
 * The point MLflow reports as a metric's value: the greatest (step, timestamp, value), comparing as
 * Python compares tuples, so a NaN never replaces an equal-step, equal-timestamp point and is
 * replaced only by a later step or timestamp; the first of equal points wins.
 */
export function latestPoint(points: readonly Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const p of points) {
    if (
      best === undefined ||
      p.step > best.step ||
      (p.step === best.step && (p.timestamp > best.timestamp || (p.timestamp === best.timestamp && p.value > best.value)))
    ) {
      best = p;
    }
  }
  return best;
}

/** A run's data: the latest value of each metric, and its params and tags. */
export async function readRunData(runDir: string): Promise<RunData> {
  const metricsDir = join(runDir, 'metrics');
  const [metricKeys, params, tags] = await Promise.all([
    listFilesRecursive(metricsDir),
    readKeyValueDir(join(runDir, 'params')),
    readKeyValueDir(join(runDir, 'tags')),
  ]);
  // A metric with no complete line yet (an empty file, warned about) has no value to report.
  const latest = await mapLimit(metricKeys, 32, async (key) => latestPoint(await readMetricFile(join(metricsDir, ...key.split('/')), key)));
  const metrics: Record<string, number> = {};
  metricKeys.forEach((key, i) => {
    const point = latest[i];
    if (point !== undefined) metrics[key] = point.value;
  });
  return { metrics, params, tags };
}
