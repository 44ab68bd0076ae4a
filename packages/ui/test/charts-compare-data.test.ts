import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runColor, withAlpha } from '../web/src/charts/colors.js';
import { formatValue } from '../web/src/charts/format.js';
import { buildPlotData } from '../web/src/charts/plot-data.js';
import type { SeriesPoint } from '../web/src/charts/series-types.js';
import { axisScale, compareColumns, paramsDiff, type CompareRow } from '../web/src/pages/compare-columns.js';

// What the charts draw and what the compare view tabulates (issue 14), DOM-free.

function row(runId: string, params: Record<string, string>, metrics: Record<string, number>): CompareRow {
  return { runId, name: runId, color: '#000000', params, metrics };
}

const rows = [
  row('a', { lr: '0.1', opt: 'adam', seed: '1' }, { loss: 0.5, acc: 0.9 }),
  row('b', { lr: '0.01', opt: 'sgd', seed: '1' }, { loss: 0.3 }),
  row('c', { lr: '0.001', opt: 'adam' }, { loss: 0.4, acc: 0.8 }),
];

describe('compare view columns', () => {
  it('flags the params whose values differ, a missing param counting as different', () => {
    const diff = paramsDiff(rows);
    assert.deepEqual(diff.map((d) => [d.key, d.differs]), [['lr', true], ['opt', true], ['seed', true]]);
    assert.deepEqual(diff[2]!.values, ['1', '1', undefined]);
    assert.equal(paramsDiff([rows[0]!, rows[0]!]).some((d) => d.differs), false);
  });

  it('lists params then metrics, sorted, with stable ids', () => {
    assert.deepEqual(compareColumns(rows).map((c) => c.id), ['param:lr', 'param:opt', 'param:seed', 'metric:acc', 'metric:loss']);
  });

  it('places numeric columns linearly and others as sorted categories', () => {
    const lr = axisScale(rows, { kind: 'param', key: 'lr', id: 'param:lr' });
    assert.equal(lr.numeric, true);
    assert.deepEqual(lr.positions.map((p) => Number(p!.toFixed(3))), [1, 0.091, 0]);
    const opt = axisScale(rows, { kind: 'param', key: 'opt', id: 'param:opt' });
    assert.equal(opt.numeric, false);
    assert.deepEqual(opt.positions, [0, 1, 0]);
    assert.deepEqual(opt.ticks.map((t) => t.label), ['adam', 'sgd']);
    const acc = axisScale(rows, { kind: 'metric', key: 'acc', id: 'metric:acc' });
    assert.deepEqual(acc.positions, [1, undefined, 0]);
  });
});

describe('plot data', () => {
  const pts = (values: number[], count = 1): SeriesPoint[] =>
    values.map((v, i) => ({ step: i * 10, timestamp: 1000 + i * 1000, value: v, min: v - 1, max: v + 1, count }));

  it('draws per run a band where downsampled, the raw curve, and the smoothed one when smoothing', () => {
    const plot = buildPlotData(
      [
        { runId: 'a', name: 'a', color: '#ff0000', originMs: 1000, points: pts([1, 2, 3], 5) },
        { runId: 'b', name: 'b', color: '#00ff00', originMs: 1000, points: pts([4, 5]) },
      ],
      { xAxis: 'step', smoothing: 0.5, logY: false },
    );
    assert.deepEqual(plot.specs.map((s) => `${s.runId}:${s.role}`), ['a:max', 'a:min', 'a:raw', 'a:smooth', 'b:raw', 'b:smooth']);
    assert.deepEqual(plot.bands, [[1, 2]]);
    assert.deepEqual(plot.data[0], [0, 10, 20]);
    assert.deepEqual(plot.data[3], [1, 2, 3]);
    assert.deepEqual(plot.data[5], [4, 5, null]);
    assert.equal(plot.data.length, 1 + plot.specs.length);
  });

  it('uses seconds since the run started on the relative axis and drops non-positive values on a log axis', () => {
    const plot = buildPlotData([{ runId: 'a', name: 'a', color: '#ff0000', originMs: 1000, points: pts([0, 2]) }], { xAxis: 'relative', smoothing: 0, logY: true });
    assert.deepEqual(plot.data[0], [0, 1]);
    assert.deepEqual(plot.data[1], [null, 2]);
    assert.notEqual(plot.layoutKey, buildPlotData([], { xAxis: 'step', smoothing: 0, logY: false }).layoutKey);
  });
});

describe('colors and labels', () => {
  it('gives distinct colors past the palette and makes them translucent', () => {
    const colors = Array.from({ length: 20 }, (_, i) => runColor(i));
    assert.equal(new Set(colors).size, 20);
    assert.equal(withAlpha('#4e79a7', 0.3), 'rgba(78, 121, 167, 0.3)');
    assert.equal(withAlpha('hsl(10 65% 55%)', 0.5), 'hsl(10 65% 55% / 0.5)');
  });

  it('formats legend values short but distinguishable', () => {
    assert.equal(formatValue(0.0123456), '0.012346');
    assert.equal(formatValue(42), '42');
    assert.equal(formatValue(1.23456789e-7), '1.2346e-7');
    assert.equal(formatValue(Number.NaN), 'NaN');
    assert.equal(formatValue(null), '–');
  });
});
