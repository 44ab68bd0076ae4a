import assert from 'node:assert/strict';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import * as runlog from '@runlog/core';
import { localPathFromUri } from '@runlog/core/internal';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import { loadTable, logFigure, logImage, logTable } from '../src/index.js';
import { resizeRgba, thumbnailSize } from '../src/media/thumbnail.js';
import { concatTables, toTableJson } from '../src/media/table-data.js';

const IMAGE_NAME = /^(.+)\+step\+(\d+)\+timestamp\+(\d+)\+([0-9a-f-]{36})(\+compressed)?\.(png|webp)$/;

describe('logImage, logTable, logFigure on the local store', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-media-'));
    runlog.setTrackingUri(join(dir, 'mlruns'));
  });
  afterEach(async () => {
    while (runlog.activeRun()) await runlog.endRun();
  });
  after(async () => {
    await runlog.shutdown();
    await rm(dir, { recursive: true, force: true });
  });

  const artifactDir = async (runId: string) => {
    const run = await runlog.getRun(runId);
    const path = localPathFromUri(run.info.artifactUri);
    assert.ok(path, 'a local artifact root');
    return path;
  };

  it('writes step images in MLflow 3.18 layout: full PNG, 256-px WebP copy, and the mlflow.loggedImages tag', async () => {
    const run = await runlog.startRun();
    const w = 64;
    const h = 32;
    const rgb = new Uint8Array(w * h * 3).map((_, i) => (i * 7) % 256);
    await logImage({ data: rgb, width: w, height: h, channels: 3 }, { key: 'samples/digits', step: 3, timestamp: 1_700_000_000_123 });
    // a tf.Tensor3D-shaped object (float32, 0–1)
    const tensor = { shape: [4, 2, 1], dtype: 'float32', data: async () => new Float32Array([0, 0.5, 1, 0.25, 0, 1, 0.5, 0.5]) };
    await logImage(tensor, { key: 'samples/digits', step: 4 });
    const png = encodePng({ width: 2, height: 2, data: new Uint8Array(16).fill(200), channels: 4 });
    await logImage(png, { artifactFile: 'plots/small.png' });
    await runlog.endRun();

    const files = (await readdir(join(await artifactDir(run.runId), 'images'))).sort();
    assert.equal(files.length, 4);
    const parsed = files.map((f) => IMAGE_NAME.exec(f));
    assert.ok(parsed.every(Boolean), files.join(', '));
    assert.deepEqual(new Set(parsed.map((m) => m![1])), new Set(['samples~digits']));
    const step3 = files.filter((f) => f.includes('+step+3+'));
    assert.deepEqual(step3.map((f) => f.endsWith('+compressed.webp') || f.endsWith('.png')), [true, true]);
    assert.ok(step3.every((f) => f.includes('+timestamp+1700000000123+')));

    const full = decodePng(await readFile(join(await artifactDir(run.runId), 'images', step3.find((f) => f.endsWith('.png'))!)));
    assert.deepEqual([full.width, full.height, full.channels], [64, 32, 3]);
    assert.deepEqual(Array.from(full.data.slice(0, 6)), Array.from(rgb.slice(0, 6)));
    const webp = await readFile(join(await artifactDir(run.runId), 'images', step3.find((f) => f.endsWith('.webp'))!));
    assert.equal(webp.subarray(0, 4).toString('latin1'), 'RIFF');
    assert.equal(webp.subarray(8, 12).toString('latin1'), 'WEBP');
    // VP8 frame header: width/height are the 14-bit fields after the start code.
    assert.equal(webp.readUInt16LE(26) & 0x3fff, 256);
    assert.equal(webp.readUInt16LE(28) & 0x3fff, 128);

    const tensorPng = decodePng(await readFile(join(await artifactDir(run.runId), 'images', files.find((f) => f.includes('+step+4+') && f.endsWith('.png'))!)));
    assert.deepEqual([tensorPng.width, tensorPng.height, tensorPng.channels], [2, 4, 1]);
    assert.deepEqual(Array.from(tensorPng.data), [0, 128, 255, 64, 0, 255, 128, 128]);

    const plain = await readFile(join(await artifactDir(run.runId), 'plots', 'small.png'));
    assert.deepEqual(new Uint8Array(plain), png, 'PNG bytes are stored as given');
    const stored = await runlog.getRun(run.runId);
    assert.equal(stored.data.tags['mlflow.loggedImages'], 'True');
  });

  it('refuses bad images with a typed error before writing anything', async () => {
    await runlog.startRun();
    const px = { data: new Uint8Array(12), width: 2, height: 2, channels: 3 as const };
    await assert.rejects(logImage(px, { key: 'bad#key' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
    await assert.rejects(logImage({ ...px, width: 3 }, { key: 'k' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
    await assert.rejects(logImage(new Uint8Array([1, 2, 3]), { key: 'k' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
    await assert.rejects(logImage({ data: [0, 2, 0.5, 1], width: 2, height: 2, channels: 1 }, { key: 'k' }), /0–1 for float images/);
    await assert.rejects(logImage(px, { artifactFile: 'x.jpg' }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
    const run = runlog.activeRun()!;
    await runlog.endRun();
    assert.deepEqual(await runlog.listArtifacts(run.runId), []);
  });

  it('logs a table as split-orient JSON, appends to it, tags the run, and loads it back with a run_id column', async () => {
    const run = await runlog.startRun();
    await logTable({ question: ['a?', 'b?'], score: [0.5, Number.NaN] }, 'eval/results.json');
    await logTable([{ question: 'c?', score: 1, extra: true }], 'eval/results.json');
    await runlog.endRun();
    const text = await readFile(join(await artifactDir(run.runId), 'eval', 'results.json'), 'utf8');
    assert.deepEqual(JSON.parse(text), {
      columns: ['question', 'score', 'extra'],
      data: [['a?', 0.5, null], ['b?', null, null], ['c?', 1, true]],
    });
    const stored = await runlog.getRun(run.runId);
    assert.equal(stored.data.tags['mlflow.loggedArtifacts'], '[{"path": "eval/results.json", "type": "table"}]');
    const loaded = await loadTable('eval/results.json', { experimentIds: [run.info.experimentId], runIds: [run.runId], extraColumns: ['run_id'] });
    assert.deepEqual(loaded.columns, ['question', 'score', 'extra', 'run_id']);
    assert.equal(loaded.data.length, 3);
    assert.equal(loaded.data[2]![3], run.runId);
    await assert.rejects(loadTable('eval/missing.json', { experimentIds: [run.info.experimentId] }), { code: 'RUNLOG_ERR_NOT_FOUND' });
    await assert.rejects(logTable({ a: [1] }, 'bad,name.json', { runId: run.runId }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
  });

  it('logs a Vega-Lite figure as its spec and a self-contained HTML page with an inline SVG', async () => {
    const run = await runlog.startRun();
    const spec = {
      title: 'loss',
      data: { values: [{ epoch: 0, loss: 1 }, { epoch: 1, loss: 0.5 }, { epoch: 2, loss: 0.3 }] },
      mark: 'line',
      encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { field: 'loss', type: 'quantitative' } },
    };
    await logFigure(spec, 'plots/loss.html');
    await runlog.endRun();
    const base = join(await artifactDir(run.runId), 'plots');
    assert.deepEqual(JSON.parse(await readFile(join(base, 'loss.vl.json'), 'utf8')), spec);
    const html = await readFile(join(base, 'loss.html'), 'utf8');
    assert.match(html, /<svg [^>]*class="marks"/);
    assert.doesNotMatch(html, /<script src=|https?:\/\/(?!www\.w3\.org)/, 'no external resource');
    await assert.rejects(logFigure({ mark: 'nope' }, 'x.html', { runId: run.runId }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
  });
});

describe('image and table helpers', () => {
  it('sizes the compressed copy as MLflow does (longer side 256, small images scaled up)', () => {
    assert.deepEqual(thumbnailSize(1000, 500), { width: 256, height: 128 });
    assert.deepEqual(thumbnailSize(28, 28), { width: 256, height: 256 });
    assert.deepEqual(thumbnailSize(100, 300), { width: 85, height: 256 });
  });

  it('averages areas when shrinking and keeps flat colours flat when growing', () => {
    const src = new Uint8ClampedArray([0, 0, 0, 255, 200, 100, 50, 255, 0, 0, 0, 255, 200, 100, 50, 255]);
    assert.deepEqual(Array.from(resizeRgba(src, 2, 2, 1, 1)), [100, 50, 25, 255]);
    const flat = new Uint8ClampedArray(4 * 4).fill(90);
    assert.ok(resizeRgba(flat, 2, 2, 5, 5).every((v) => v === 90));
  });

  it('builds split tables from columns, one row of scalars, rows, and split input', () => {
    assert.deepEqual(toTableJson({ a: [1, 2], b: ['x', 'y'] }), { columns: ['a', 'b'], data: [[1, 'x'], [2, 'y']] });
    assert.deepEqual(toTableJson({ q: 'What?', n: 3 }), { columns: ['q', 'n'], data: [['What?', 3]] });
    assert.deepEqual(toTableJson({ columns: ['a'], data: [[1], [2]] }), { columns: ['a'], data: [[1], [2]] });
    assert.deepEqual(toTableJson({ t: new Float32Array([0.5]) }), { columns: ['t'], data: [[0.5]] });
    assert.throws(() => toTableJson({ a: [1, 2], b: [1] }), { code: 'RUNLOG_ERR_INVALID_ARGUMENT' });
    assert.deepEqual(concatTables({ columns: ['a'], data: [[1]] }, { columns: ['b', 'a'], data: [[2, 3]] }), { columns: ['a', 'b'], data: [[1, null], [3, 2]] });
  });
});
