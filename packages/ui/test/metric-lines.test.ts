// The ui's byte-level metric-line parser against core's full parser: for every line, the same
// numbers (NaN, -0 and the last bit included), or the same refusal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseMetricLine } from '@runlog/core/internal';
import { MetricHistory } from '../src/local/metric-history.js';
import { parseLines } from '../src/local/metric-lines.js';

function viaBytes(line: string): { timestamp: number; value: number; step: number } | string {
  const h = new MetricHistory('m');
  const buf = Buffer.from(line + '\n', 'latin1');
  const out = parseLines(buf, buf.length, h);
  if ('reason' in out) return out.reason;
  assert.equal(out.consumed, buf.length, line);
  assert.equal(h.length, 1, line);
  return { timestamp: h.timestamps[0]!, value: h.values[0]!, step: h.steps[0]! };
}

function sameAsCore(line: string): void {
  const core = parseMetricLine(line);
  const ours = viaBytes(line);
  if (typeof core === 'string') {
    assert.equal(typeof ours, 'string', `${JSON.stringify(line)}: core refuses (${core}), the byte parser read ${JSON.stringify(ours)}`);
    return;
  }
  assert.notEqual(typeof ours, 'string', `${JSON.stringify(line)}: core reads it, the byte parser refuses: ${String(ours)}`);
  const o = ours as Exclude<typeof ours, string>;
  for (const k of ['timestamp', 'value', 'step'] as const) assert.ok(Object.is(o[k], core[k]), `${JSON.stringify(line)} ${k}: ${o[k]} vs ${core[k]}`);
}

describe('metric lines from bytes', () => {
  it('reads common and unusual lines exactly as core does, and refuses what core refuses', () => {
    const values = [
      '0', '-0', '0.0', '-0.0', '1', '+1', '1.', '.5', '-.5', '5.25', '1e5', '1E5', '1e+5', '1e-5', '-1.5e-05', '2.5E+300',
      '1e400', '-1e400', '1e-400', '0.1', '0.30000000000000004', '1.7976931348623157e+308', '5e-324', '123456789012345678901234567890',
      'nan', 'NaN', '-nan', 'inf', '-inf', 'Infinity', '-Infinity', '1_000.5', '0x10', '1-2', '1.2.3', '1e', 'e5', '.', '-', '+', '--1', '1e5.5', '', '١',
    ];
    const stamps = ['1700000000000', '0', '007', '123456789012345', '1234567890123456', '12345678901234567890', '-5', '+5', '1.5', 'x'];
    const steps = ['0', '-0', '7', '-3', '+3', '123456789012345', '-123456789012345', '9007199254740993', '1_0', '2.0', ''];
    let n = 0;
    for (const v of values) for (const t of stamps.slice(0, 3)) for (const s of steps) (sameAsCore(`${t} ${v} ${s}`.trimEnd()), n++);
    for (const t of stamps) for (const s of steps) (sameAsCore(`${t} 0.5 ${s}`.trimEnd()), n++);
    for (const line of ['1 2', '1 2 3 4', '1 2 3 4 5', ' 1 2 3', '1 2 3 ', '1  2 3', '1\t2 3', '1 2 3\r']) (sameAsCore(line), n++);
    assert.ok(n > 500);
  });

  it('reads 20,000 random doubles bit for bit', () => {
    const bits = new Float64Array(1);
    const words = new Uint32Array(bits.buffer);
    for (let i = 0; i < 20_000; i++) {
      words[0] = (Math.random() * 2 ** 32) >>> 0;
      words[1] = (Math.random() * 2 ** 32) >>> 0;
      const v = bits[0]!;
      const text = Number.isFinite(v) ? String(v) : 'nan';
      sameAsCore(`${1_700_000_000_000 + i} ${text} ${i}`);
    }
  });

  it('skips blank lines, leaves a line without its newline for the next read, and names the first malformed line', () => {
    const blank = Buffer.from('\n1 0.5 0\n\n', 'latin1');
    const read = new MetricHistory('m');
    assert.deepEqual(parseLines(blank, blank.length, read), { consumed: blank.length, lines: 3 });
    assert.equal(read.length, 1);
    const h = new MetricHistory('m');
    const buf = Buffer.from('1 0.5 0\n2 0.25 1\n3 0.1', 'latin1');
    assert.deepEqual(parseLines(buf, buf.length, h), { consumed: 17, lines: 2 });
    assert.equal(h.length, 2);
    const bad = Buffer.from('1 0.5 0\n2 1-2 1\n3 0.1 2\n', 'latin1');
    const out = parseLines(bad, bad.length, new MetricHistory('m'));
    assert.ok('reason' in out);
    assert.equal(out.line, 2);
  });
});
