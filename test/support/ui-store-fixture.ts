// A generated local store (`mlruns`) for `runlog ui` tests and benchmarks, written through
// runlog's own FileStore so it is exactly what users have on disk.
//
//   const fx = await makeUiStoreFixture({ runs: 50 });
//   // fx.rootDir, fx.experimentIds, fx.runs[i].runId / params / metrics ...
//   await fx.cleanup();
//
// Runs are deterministic (values derive from the run index): params lr / optimizer / batch_size /
// layers, metrics loss / accuracy (and val_loss for every second run) over `steps` steps, tags
// team / stage / mlflow.user, a run name `run-<i>`. Runs alternate between the experiments.
// Options add artifacts to the first run (a text file, JSON, YAML, CSV, a PNG image in a folder),
// leave the last runs RUNNING, and give the first run one long metric (`big_metric`).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { FileStore } from '@runlog/core/internal';
import type { Metric } from '@runlog/core';

export interface UiStoreFixtureOptions {
  /** Where to write (default: a new temp dir, removed by cleanup()). */
  rootDir?: string;
  /** Runs in all (default 20). */
  runs?: number;
  /** Experiment names (default ['fixture-a', 'fixture-b']); runs alternate between them. */
  experiments?: string[];
  /** Points per metric (default 20). */
  steps?: number;
  /** Give the first run artifacts (default true). */
  artifacts?: boolean;
  /** How many of the last runs stay RUNNING (default 0). */
  runningRuns?: number;
  /** Points of a `big_metric` on the first run (default 0: none). */
  bigMetricPoints?: number;
  /** Runs written at once (default 8). */
  concurrency?: number;
  /** Start time of run 0 in ms; run i starts i seconds later (default 1_700_000_000_000). */
  startTime?: number;
}

export interface FixtureRun {
  runId: string;
  experimentId: string;
  name: string;
  index: number;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** Latest value of each metric. */
  metrics: Record<string, number>;
  status: 'RUNNING' | 'FINISHED';
}

export interface UiStoreFixture {
  rootDir: string;
  store: FileStore;
  experimentIds: string[];
  runs: FixtureRun[];
  cleanup(): Promise<void>;
}

const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'];
const LRS = ['0.1', '0.01', '0.001', '0.0001'];
const TEAMS = ['vision', 'nlp'];

/** A valid 2x2 RGBA PNG (red, green / blue, white), for image previews. */
export function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(2, 0);
  ihdr.writeUInt32BE(2, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.from([0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255]);
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function metricPoints(i: number, steps: number, t0: number): Metric[] {
  const lr = Number(LRS[i % LRS.length]);
  const out: Metric[] = [];
  for (let s = 0; s < steps; s++) {
    const timestamp = t0 + s * 100;
    const loss = 1 / (1 + s * lr * 10) + ((i * 7 + s * 13) % 10) / 1000;
    out.push({ key: 'loss', value: loss, timestamp, step: s });
    out.push({ key: 'accuracy', value: 1 - loss / 2, timestamp, step: s });
    if (i % 2 === 0) out.push({ key: 'val_loss', value: loss * 1.1, timestamp, step: s });
  }
  return out;
}

export async function makeUiStoreFixture(opts: UiStoreFixtureOptions = {}): Promise<UiStoreFixture> {
  const ownDir = opts.rootDir === undefined;
  const rootDir = opts.rootDir ?? join(await mkdtemp(join(tmpdir(), 'runlog-ui-fixture-')), 'mlruns');
  const store = new FileStore(rootDir);
  const names = opts.experiments ?? ['fixture-a', 'fixture-b'];
  const experimentIds: string[] = [];
  for (const name of names) experimentIds.push((await store.findExperimentByName(name))?.experimentId ?? (await store.createExperiment(name)));
  const total = opts.runs ?? 20;
  const steps = opts.steps ?? 20;
  const running = opts.runningRuns ?? 0;
  const start = opts.startTime ?? 1_700_000_000_000;
  const runs = new Array<FixtureRun>(total);

  const writeRun = async (i: number) => {
    const experimentId = experimentIds[i % experimentIds.length]!;
    const name = `run-${i}`;
    const t0 = start + i * 1000;
    const tags = { team: TEAMS[i % TEAMS.length]!, stage: i % 5 === 0 ? 'prod' : 'dev', 'mlflow.user': 'fixture' };
    const info = await store.createRun({ experimentId, startTime: t0, runName: name, tags: Object.entries(tags).map(([key, value]) => ({ key, value })) });
    const params = {
      lr: LRS[i % LRS.length]!,
      optimizer: OPTIMIZERS[i % OPTIMIZERS.length]!,
      batch_size: String(32 * (1 + (i % 4))),
      layers: String(1 + (i % 5)),
    };
    const points = metricPoints(i, steps, t0);
    await store.logBatch(info.runId, { params: Object.entries(params).map(([key, value]) => ({ key, value })), metrics: points, tags: [] });
    const metrics: Record<string, number> = {};
    for (const p of points) metrics[p.key] = p.value;
    const status = i >= total - running ? 'RUNNING' : 'FINISHED';
    if (status === 'FINISHED') await store.updateRun(info.runId, { status: 'FINISHED', endTime: t0 + steps * 100 });
    runs[i] = { runId: info.runId, experimentId, name, index: i, params, tags: { ...tags, 'mlflow.runName': name }, metrics, status };
  };

  let next = 0;
  const worker = async () => {
    while (next < total) await writeRun(next++);
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, total) }, worker));

  const first = runs[0];
  if (first && (opts.artifacts ?? true)) {
    await store.putArtifact(first.runId, 'notes.txt', Buffer.from('hello from runlog\nsecond line\n'));
    await store.putArtifact(first.runId, 'config.json', Buffer.from(JSON.stringify({ lr: 0.1, layers: [64, 32] }, null, 2)));
    await store.putArtifact(first.runId, 'model/MLmodel', Buffer.from('artifact_path: model\nflavors: {}\n'));
    await store.putArtifact(first.runId, 'data/table.csv', Buffer.from('a,b\n1,2\n3,4\n'));
    await store.putArtifact(first.runId, 'images/plot.png', tinyPng());
  }
  if (first && opts.bigMetricPoints) {
    const CHUNK = 20_000;
    for (let s = 0; s < opts.bigMetricPoints; s += CHUNK) {
      const batch: Metric[] = [];
      for (let k = s; k < Math.min(opts.bigMetricPoints, s + CHUNK); k++) {
        batch.push({ key: 'big_metric', value: Math.sin(k / 1000) + (k % 997 === 0 ? 5 : 0), timestamp: start + k, step: k });
      }
      await store.logBatch(first.runId, { metrics: batch, params: [], tags: [] });
    }
    first.metrics.big_metric = Math.sin((opts.bigMetricPoints - 1) / 1000) + ((opts.bigMetricPoints - 1) % 997 === 0 ? 5 : 0);
  }
  return {
    rootDir,
    store,
    experimentIds,
    runs,
    async cleanup() {
      await store.close();
      if (ownDir) await rm(join(rootDir, '..'), { recursive: true, force: true });
    },
  };
}

/** Writes a file into the store root (tests that damage or extend a fixture). */
export async function writeStoreFile(fx: UiStoreFixture, relPath: string, text: string): Promise<void> {
  await writeFile(join(fx.rootDir, relPath), text);
}
