/**
 * Reads one run folder of a local `mlruns` store for the run index: meta.yaml, every param and tag,
 * and each metric's latest point read from the end of its file only (a metric file can hold
 * millions of lines; the index needs one). Small files are read whole and give MLflow's exact
 * latest point (the greatest step, then timestamp, then value); for bigger ones the last complete
 * line stands for it, which differs only when a run logged steps out of order.
 */
import type { Dirent } from 'node:fs';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metric, Run } from '@runlog/core';
import { CorruptStoreError } from '@runlog/core';
import { latestPoint, parseMetricLine, parseRunMeta, pyYamlLoad } from '@runlog/core/internal';

/** Bytes read from the end of a metric file for its latest point (a line is ~40 bytes). */
const TAIL_BYTES = 16 * 1024;
const RUN_NAME_TAG = 'mlflow.runName';

/** A run as the index holds it. */
export interface IndexedRun {
  dir: string;
  run: Run;
  /** Latest point of each metric (for the timestamp and step runs/search reports). */
  latest: Map<string, Metric>;
  /** Date.now() just before the folder was read: a file modified since then means a re-read. */
  readAt: number;
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Relative keys of the files under `dir` ('/'-joined for nested keys); [] when it is missing. */
async function keysUnder(dir: string, prefix = ''): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.isFile()) out.push(prefix + e.name);
    else if (e.isDirectory()) out.push(...(await keysUnder(join(dir, e.name), `${prefix}${e.name}/`)));
  }
  return out;
}

async function readValues(dir: string): Promise<Record<string, string>> {
  const keys = await keysUnder(dir);
  const values = await Promise.all(
    keys.map((key) => readFile(join(dir, ...key.split('/')), 'utf8').catch((err) => (isMissing(err) ? undefined : Promise.reject(err)))),
  );
  const out: Record<string, string> = {};
  keys.forEach((key, i) => {
    const v = values[i];
    if (v !== undefined) out[key] = v;
  });
  return out;
}

/** The points of the complete lines in `text` (a torn last line, one without '\n', is skipped). */
function completeLines(text: string, key: string, file: string, skipFirst: boolean): Metric[] {
  const lines = text.split('\n');
  lines.pop();
  if (skipFirst) lines.shift();
  const out: Metric[] = [];
  for (const line of lines) {
    if (line === '') continue;
    const p = parseMetricLine(line);
    if (typeof p === 'string') throw new CorruptStoreError(`Metric '${key}' is malformed in ${file}: ${p}.`);
    out.push({ key, ...p });
  }
  return out;
}

/** The latest point of one metric file, reading at most its last TAIL_BYTES. */
export async function readLatestPoint(file: string, key: string): Promise<Metric | undefined> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buf, 0, length, size - length);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    const points = completeLines(text, key, file, length < size);
    return length < size ? points.at(-1) : latestPoint(points);
  } finally {
    await handle.close();
  }
}

async function readLatest(metricsDir: string): Promise<Map<string, Metric>> {
  const keys = await keysUnder(metricsDir);
  const points = await Promise.all(
    keys.map((key) => readLatestPoint(join(metricsDir, ...key.split('/')), key).catch((err) => (isMissing(err) ? undefined : Promise.reject(err)))),
  );
  const latest = new Map<string, Metric>();
  keys.forEach((key, i) => {
    const p = points[i];
    if (p !== undefined) latest.set(key, p);
  });
  return latest;
}

/** The MLflow 3 models a run produced: `outputs/<model_id>/meta.yaml` with destination_type MODEL_OUTPUT. */
async function readModelOutputs(outputsDir: string): Promise<Array<{ modelId: string; step: number }>> {
  let names: string[];
  try {
    names = await readdir(outputsDir);
  } catch (err) {
    if (isMissing(err)) return [];
    throw err;
  }
  const out: Array<{ modelId: string; step: number }> = [];
  for (const name of names) {
    const file = join(outputsDir, name, 'meta.yaml');
    const text = await readFile(file, 'utf8').catch((err) => (isMissing(err) ? null : Promise.reject(err)));
    if (text === null) continue;
    let d: unknown;
    try {
      d = pyYamlLoad(text);
    } catch (err) {
      throw new CorruptStoreError(`Cannot parse ${file}: ${(err as Error).message}`);
    }
    const m = d as Record<string, unknown> | null;
    if (!m || m.destination_type !== 'MODEL_OUTPUT') continue;
    out.push({ modelId: String(m.destination_id), step: Number(m.step ?? 0) });
  }
  return out;
}

/**
 * Reads a run folder; null when it has no meta.yaml (MLflow skips such folders: a run being
 * created) or its meta.yaml names another run or experiment. Throws CorruptStoreError for a
 * meta.yaml or metric line that cannot be parsed.
 */
export async function readIndexedRun(dir: string, experimentId: string, runId: string): Promise<IndexedRun | null> {
  const readAt = Date.now();
  const metaFile = join(dir, 'meta.yaml');
  let metaText: string;
  try {
    metaText = await readFile(metaFile, 'utf8');
  } catch (err) {
    if (isMissing(err)) return null;
    throw err;
  }
  const stored = parseRunMeta(metaText, metaFile);
  if (stored.info.runId !== runId || stored.info.experimentId !== experimentId) return null;
  const [params, tags, latest, modelOutputs] = await Promise.all([
    readValues(join(dir, 'params')),
    readValues(join(dir, 'tags')),
    readLatest(join(dir, 'metrics')),
    readModelOutputs(join(dir, 'outputs')),
  ]);
  const metrics: Record<string, number> = {};
  for (const [key, p] of latest) metrics[key] = p.value;
  const info = { ...stored.info };
  if (!info.runName) info.runName = tags[RUN_NAME_TAG] ?? '';
  const run: Run = { info, data: { metrics, params, tags } };
  if (modelOutputs.length > 0) run.outputs = { modelOutputs };
  return { dir, run, latest, readAt };
}
