import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downsample, encodeSeriesPoint } from '../src/metric-series.js';
import { historyFromMetrics, MetricHistory } from '../src/local/metric-history.js';

function history(n: number, value: (i: number) => number, step = (i: number) => i): MetricHistory {
  const h = new MetricHistory('m');
  for (let i = 0; i < n; i++) h.push(1_000 + i * 10, value(i), step(i));
  return h;
}

describe('metric-series downsampling', () => {
  it('returns a history that fits point by point, not downsampled', () => {
    const s = downsample(history(5, (i) => i * 2), { buckets: 10, x: 'step' });
    assert.equal(s.downsampled, false);
    assert.equal(s.total, 5);
    assert.deepEqual(s.points.map((p) => [p.step, p.value, p.min, p.max, p.count]), [
      [0, 0, 0, 0, 1],
      [1, 2, 2, 2, 1],
      [2, 4, 4, 4, 1],
      [3, 6, 6, 6, 1],
      [4, 8, 8, 8, 1],
    ]);
  });

  it('cuts a long history into at most `buckets` buckets whose min and max keep a one-point spike', () => {
    const spikeAt = 123_457;
    const s = downsample(history(1_000_000, (i) => (i === spikeAt ? 100 : Math.sin(i / 1000))), { buckets: 1000, x: 'step' });
    assert.equal(s.downsampled, true);
    assert.equal(s.total, 1_000_000);
    assert.ok(s.points.length <= 1000 && s.points.length >= 990, String(s.points.length));
    assert.equal(s.points.reduce((n, p) => n + p.count, 0), 1_000_000);
    const spike = s.points.find((p) => p.max === 100);
    assert.ok(spike, 'the spike survives as a bucket max');
    assert.ok(spike.step >= spikeAt && spike.count > 1);
    // Each bucket reports its last point.
    assert.equal(s.points.at(-1)!.step, 999_999);
    for (let k = 1; k < s.points.length; k++) assert.ok(s.points[k]!.step > s.points[k - 1]!.step);
  });

  it('restricts to a zoomed range [min_x, max_x] and answers it at full resolution when it fits', () => {
    const s = downsample(history(100_000, (i) => i), { buckets: 1000, x: 'step', minX: 500, maxX: 599 });
    assert.equal(s.downsampled, false);
    assert.equal(s.points.length, 100);
    assert.deepEqual([s.points[0]!.step, s.points.at(-1)!.step], [500, 599]);
  });

  it('sorts by x: steps logged out of order, and wall time with x=time', () => {
    const h = historyFromMetrics('m', [
      { key: 'm', value: 3, timestamp: 30, step: 2 },
      { key: 'm', value: 1, timestamp: 50, step: 0 },
      { key: 'm', value: 2, timestamp: 40, step: 1 },
    ]);
    assert.deepEqual(downsample(h, { buckets: 10, x: 'step' }).points.map((p) => p.value), [1, 2, 3]);
    assert.deepEqual(downsample(h, { buckets: 10, x: 'time' }).points.map((p) => p.value), [3, 2, 1]);
  });

  it('keeps NaN out of min and max, and writes non-finite values as MLflow strings', () => {
    const s = downsample(history(10, (i) => (i % 2 ? NaN : i)), { buckets: 2, x: 'step' });
    assert.deepEqual(s.points.map((p) => [p.min, p.max]), [
      [0, 4],
      [6, 8],
    ]);
    assert.deepEqual(encodeSeriesPoint({ step: 1, timestamp: 2, value: NaN, min: -Infinity, max: Infinity, count: 1 }), {
      step: 1,
      timestamp: 2,
      value: 'NaN',
      min: '-Infinity',
      max: 'Infinity',
      count: 1,
    });
  });

  it('puts every point of a single-step history in one bucket', () => {
    const s = downsample(history(50, (i) => i, () => 7), { buckets: 10, x: 'step' });
    assert.equal(s.points.length, 1);
    assert.deepEqual([s.points[0]!.count, s.points[0]!.min, s.points[0]!.max, s.points[0]!.value], [50, 0, 49, 49]);
  });
});
