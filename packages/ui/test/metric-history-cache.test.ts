// The local metric files as runlog ui reads them: the byte-level fast path for plain lines and the
// full parser for the rest must give exactly what core's parser gives, across chunk boundaries,
// and a growing file is read on from where the last read stopped.
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseMetricLine } from '@runlog/core/internal';
import { MetricHistoryCache } from '../src/local/metric-history-cache.js';

describe('MetricHistoryCache', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-ui-mh-'));
    await mkdir(join(dir, 'metrics'), { recursive: true });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads plain and unusual lines exactly as core parses them', async () => {
    const lines = [
      '1700000000000 0.8414709848078965 0',
      '1700000000001 -1.5e-05 -3',
      '1700000000002 1e+300 7',
      '1700000000003 NaN 8',
      '1700000000004 inf 9',
      '1700000000005 -Infinity 10',
      '1700000000006 3 11',
      '1700000000007 0.1 12 ',
    ];
    // A trailing space is not a plain line: it goes to the full parser, which accepts it.
    const valid = lines.map((l) => {
      const p = parseMetricLine(l);
      assert.notEqual(typeof p, 'string', l);
      return p as Exclude<typeof p, string>;
    });
    await writeFile(join(dir, 'metrics', 'odd'), lines.join('\n') + '\n');
    const cache = new MetricHistoryCache(async () => dir);
    const h = await cache.get('r', 'odd');
    assert.equal(h.length, lines.length);
    valid.forEach((p, i) => {
      assert.ok(Object.is(h.values[i], p.value), `line ${i}: ${h.values[i]} vs ${p.value}`);
      assert.equal(h.steps[i], p.step);
      assert.equal(h.timestamps[i], p.timestamp);
    });
  });

  it('reads 300,000 lines (several chunks) exactly, then only what was appended', async () => {
    const n = 300_000;
    const values: number[] = [];
    const text: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = Math.sin(i / 1000) * 10 ** ((i % 40) - 20) + Math.random();
      values.push(v);
      text.push(`${1_700_000_000_000 + i} ${v} ${i}`);
    }
    const file = join(dir, 'metrics', 'long');
    await writeFile(file, text.join('\n') + '\n');
    const cache = new MetricHistoryCache(async () => dir);
    const h = await cache.get('r', 'long');
    assert.equal(h.length, n);
    for (let i = 0; i < n; i++) if (h.values[i] !== values[i] || h.steps[i] !== i) assert.fail(`point ${i}: ${h.values[i]} vs ${values[i]}`);
    // A torn last line is left for the next read.
    await appendFile(file, '1800000000000 42.5 300000\n1800000000001 4');
    const grown = await cache.get('r', 'long');
    assert.equal(grown.length, n + 1);
    assert.equal(grown.values[n], 42.5);
    await appendFile(file, '3.25 300001\n');
    const complete = await cache.get('r', 'long');
    assert.equal(complete.length, n + 2);
    assert.equal(complete.values[n + 1], 43.25);
    assert.equal(complete.steps[n + 1], 300001);
  });

  it('refuses a malformed line with CorruptStoreError naming the line, also one that looks plain', async () => {
    await writeFile(join(dir, 'metrics', 'bad'), '1 2 3\n1 0x10 2\n');
    await assert.rejects(new MetricHistoryCache(async () => dir).get('r', 'bad'), (err: Error) => err.name === 'CorruptStoreError' && /line 2/.test(err.message));
  });

  it('reads a history once for callers that ask at the same time (one object, counted once)', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `${1700000000000 + i} ${i / 7} ${i}`);
    await writeFile(join(dir, 'metrics', 'shared'), lines.join('\n') + '\n');
    const cache = new MetricHistoryCache(async () => dir);
    const [a, b, c] = await Promise.all([cache.get('r', 'shared'), cache.get('r', 'shared'), cache.get('r', 'shared')]);
    assert.equal(a, b);
    assert.equal(b, c);
    assert.equal(a.length, 50_000);
    assert.equal(cache.cachedPointCount, 50_000);
  });

  it("reads a run's first metrics ahead (prefetch), within the point budget", async () => {
    const write = (key: string, n: number) =>
      writeFile(join(dir, 'metrics', key), Array.from({ length: n }, (_, i) => `${1700000000000 + i} ${i} ${i}`).join('\n') + '\n');
    await write('pa', 1000);
    await write('pb', 3000);
    await write('pc', 10);
    // Budget 5,000: prefetch stops once half of it (2,500) is used, so 'pc' is not read ahead.
    const cache = new MetricHistoryCache(async () => dir, 5000);
    await cache.prefetch('r', ['pa', 'pb', 'pc']);
    assert.ok(cache.isCached('r', 'pa'));
    assert.ok(cache.isCached('r', 'pb'));
    assert.equal(cache.isCached('r', 'pc'), false);
    assert.equal(cache.cachedPointCount, 4000);
  });
});
