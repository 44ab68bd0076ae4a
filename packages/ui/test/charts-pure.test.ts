import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alignTables, finiteOrGap, forLogScale } from '../web/src/charts/align.js';
import { appendBuckets, coarsen, isDownsampled, mergeBuckets } from '../web/src/charts/bucket-merge.js';
import { DEFAULT_CHART_SETTINGS, joinHash, parseChartSettings, splitHash, writeChartSettings } from '../web/src/charts/chart-settings.js';
import { emaSmooth } from '../web/src/charts/ema.js';
import { nearestIndex } from '../web/src/charts/nearest.js';
import { parseMetricSeries, type SeriesPoint } from '../web/src/charts/series-types.js';
import { chartX, formatDuration, formatX, serverRange, serverX } from '../web/src/charts/x-axis.js';

// The pure parts of the charts of issue 14 (DOM-free): smoothing, live bucket merging, x axes,
// hover lookup, URL-kept settings.

function pt(step: number, value: number, extra: Partial<SeriesPoint> = {}): SeriesPoint {
  return { step, timestamp: 1_000_000 + step * 1000, value, min: value, max: value, count: 1, ...extra };
}

describe('emaSmooth (TensorBoard-style, debiased)', () => {
  it('starts at the first value instead of being dragged towards 0', () => {
    const out = emaSmooth([10, 10.5, 9.5], 0.9);
    assert.equal(out[0], 10);
  });

  it('matches the debiased recurrence last = w*last + (1-w)*v, divided by 1 - w^n', () => {
    const w = 0.6;
    const out = emaSmooth([1, 3, 2], w);
    const l1 = 0.4 * 1;
    const l2 = w * l1 + 0.4 * 3;
    const l3 = w * l2 + 0.4 * 2;
    assert.ok(Math.abs(out[1]! - l2 / (1 - w ** 2)) < 1e-12);
    assert.ok(Math.abs(out[2]! - l3 / (1 - w ** 3)) < 1e-12);
  });

  it('returns the values unchanged at weight 0 and a constant series exactly constant', () => {
    assert.deepEqual(emaSmooth([1, 5, 2], 0), [1, 5, 2]);
    assert.deepEqual(emaSmooth([0.1, 0.1, 0.1, 0.1], 0.95), [0.1, 0.1, 0.1, 0.1]);
  });

  it('passes NaN and gaps through without poisoning the average', () => {
    const out = emaSmooth([2, Number.NaN, null, 2, 4], 0.5);
    assert.equal(out[0], 2);
    assert.ok(Number.isNaN(out[1]));
    assert.equal(out[2], null);
    assert.equal(out[3], 2);
    assert.ok(Number.isFinite(out[4]!) && out[4]! > 2 && out[4]! < 4);
  });

  it('damps noise: a smoothed alternating series varies far less than the raw one', () => {
    const raw = Array.from({ length: 200 }, (_, i) => (i % 2 ? 1 : -1));
    const out = emaSmooth(raw, 0.9).slice(100) as number[];
    assert.ok(Math.max(...out) - Math.min(...out) < 0.25);
  });
});

describe('live bucket merging', () => {
  const byStep = (p: SeriesPoint) => p.step;

  it('replaces the last, partial bucket with the fresh answer and appends the rest', () => {
    const existing = [pt(0, 1), pt(10, 2), pt(20, 3)];
    const incoming = [pt(20, 3.5, { count: 4 }), pt(30, 4)];
    const out = appendBuckets(existing, incoming, byStep);
    assert.deepEqual(out.map((p) => [p.step, p.value]), [[0, 1], [10, 2], [20, 3.5], [30, 4]]);
  });

  it('keeps the series as is when nothing new arrived', () => {
    const existing = [pt(0, 1), pt(1, 2)];
    assert.deepEqual(appendBuckets(existing, [], byStep), existing);
  });

  it('merges neighbours keeping the later value and the min and max of both, so a spike survives', () => {
    const m = mergeBuckets(pt(0, 1, { min: 0.5, max: 100 }), pt(1, 2, { min: 1.5, max: 2.5, count: 3 }));
    assert.deepEqual([m.step, m.value, m.min, m.max, m.count], [1, 2, 0.5, 100, 4]);
  });

  it('coarsens to at most the chart width, spikes and the last point kept', () => {
    const points = Array.from({ length: 1000 }, (_, i) => pt(i, i === 377 ? 1e6 : 1));
    const out = coarsen(points, 100);
    assert.ok(out.length <= 100 && out.length >= 50, `got ${out.length}`);
    assert.equal(Math.max(...out.map((p) => p.max)), 1e6);
    assert.equal(out.at(-1)!.step, 999);
    assert.equal(out.reduce((n, p) => n + p.count, 0), 1000);
    assert.ok(isDownsampled(out));
    assert.ok(!isDownsampled(points));
  });
});

describe('x axes', () => {
  const p = { step: 7, timestamp: 1_700_000_005_000 };
  it('places a point by step, wall time (epoch seconds) or time since the run started', () => {
    assert.equal(chartX(p, 'step', 0), 7);
    assert.equal(chartX(p, 'wall', 0), 1_700_000_005);
    assert.equal(chartX(p, 'relative', 1_700_000_000_000), 5);
  });

  it('maps a zoomed chart range back to the server x (steps or epoch ms)', () => {
    assert.deepEqual(serverRange([12.3, 4.5], 'step', 0), [4, 13]);
    assert.deepEqual(serverRange([5, 10], 'relative', 1_000_000), [1_005_000, 1_010_000]);
    assert.equal(serverX(2, 'wall', 0), 2000);
  });

  it('labels durations and x values', () => {
    assert.equal(formatDuration(45), '45s');
    assert.equal(formatDuration(725), '12m05s');
    assert.equal(formatDuration(3 * 3600 + 7 * 60), '3h07m');
    assert.equal(formatDuration(2 * 86400 + 4 * 3600), '2d04h');
    assert.equal(formatX(12, 'step'), 'step 12');
    assert.equal(formatX(0, 'wall'), '1970-01-01 00:00:00Z');
  });
});

describe('nearestIndex', () => {
  it('finds the closest x, the earlier one on a tie, and -1 for nothing', () => {
    const xs = [0, 10, 20, 30];
    assert.equal(nearestIndex(xs, 14), 1);
    assert.equal(nearestIndex(xs, 16), 2);
    assert.equal(nearestIndex(xs, 15), 1);
    assert.equal(nearestIndex(xs, -5), 0);
    assert.equal(nearestIndex(xs, 99), 3);
    assert.equal(nearestIndex([], 1), -1);
  });

  it('skips gaps', () => {
    assert.equal(nearestIndex([0, null, null, 30], 12), 0);
    assert.equal(nearestIndex([null, null, 5, null], 100), 2);
    assert.equal(nearestIndex([null, null], 1), -1);
  });

  it('agrees with a linear scan on random sorted data', () => {
    for (let trial = 0; trial < 200; trial++) {
      const xs = Array.from({ length: 1 + (trial % 37) }, () => Math.round(Math.random() * 1000)).sort((a, b) => a - b);
      const x = Math.random() * 1100 - 50;
      const got = nearestIndex(xs, x);
      const best = Math.min(...xs.map((v) => Math.abs(v - x)));
      assert.equal(Math.abs(xs[got]! - x), best);
    }
  });
});

describe('alignment of runs on one x array', () => {
  it('aligns on the union of xs with gaps where a run has no point', () => {
    const [xs, a, b] = alignTables([
      { xs: [0, 2, 4], ys: [[1, 2, 3]] },
      { xs: [1, 2], ys: [[10, 20]] },
    ]);
    assert.deepEqual(xs, [0, 1, 2, 4]);
    assert.deepEqual(a, [1, null, 2, 3]);
    assert.deepEqual(b, [null, 10, 20, null]);
  });

  it('turns values a log or linear axis cannot place into gaps', () => {
    assert.deepEqual(forLogScale([1, 0, -2, Number.NaN, null, 3]), [1, null, null, null, null, 3]);
    assert.deepEqual(finiteOrGap([1, Number.POSITIVE_INFINITY, Number.NaN, 0]), [1, null, null, 0]);
  });
});

describe('chart settings in the URL', () => {
  it('round-trips through the hash query, defaults left out and other keys kept', () => {
    const { path, query } = splitHash('#/compare?runs=a,b');
    assert.equal(path, '/compare');
    const q = writeChartSettings({ xAxis: 'relative', smoothing: 0.6, logY: true }, query);
    const hash = joinHash(path, q);
    assert.equal(hash, '#/compare?runs=a,b&x=relative&smooth=0.6&log=1');
    assert.deepEqual(parseChartSettings(splitHash(hash).query), { xAxis: 'relative', smoothing: 0.6, logY: true });
    assert.equal(joinHash('/runs/x', writeChartSettings(DEFAULT_CHART_SETTINGS, new URLSearchParams())), '#/runs/x');
  });

  it('falls back to defaults on malformed values and clamps smoothing', () => {
    const s = parseChartSettings(new URLSearchParams('x=bogus&smooth=7&log=maybe'));
    assert.deepEqual(s, { xAxis: 'step', smoothing: 0.99, logY: false });
    assert.equal(parseChartSettings(new URLSearchParams('smooth=abc')).smoothing, 0);
  });
});

describe('parseMetricSeries', () => {
  it('reads MLflow\'s non-finite strings and fills min, max and count when absent', () => {
    const s = parseMetricSeries({ runId: 'r', key: 'loss', total: 3, downsampled: false, points: [{ step: 1, timestamp: 5, value: 'NaN' }, { step: 2, timestamp: 6, value: 2 }] });
    assert.ok(Number.isNaN(s.points[0]!.value));
    assert.deepEqual(s.points[1], { step: 2, timestamp: 6, value: 2, min: 2, max: 2, count: 1 });
    assert.equal(s.total, 3);
  });
});
