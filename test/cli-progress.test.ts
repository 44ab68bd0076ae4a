// Progress bars of the CLI (issue #11) are drawn on a terminal and nowhere else.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { createProgress, formatBytes } from '../packages/runlog/src/cli/progress.js';

function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  const s = new PassThrough() as unknown as NodeJS.WriteStream & PassThrough;
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString('utf8')));
  Object.assign(s, { isTTY, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
  return { s, text: () => text };
}

function drive(p: ReturnType<typeof createProgress>): void {
  p.start('a', 1000, { session: 'sess-a' });
  p.update('a', 500, { session: 'sess-a' });
  p.finish('a');
  p.close();
  p.close(); // idempotent
}

describe('CLI progress bars', () => {
  const format = '{session} [{bar}] {value}/{total} records';

  it('draws bars with records on a TTY', () => {
    const { s, text } = stream(true);
    const p = createProgress({ stream: s, format });
    assert.equal(p.active, true);
    drive(p);
    assert.match(text(), /sess-a \[.*\] 1000\/1000 records/);
  });

  it('is silent when the stream is not a TTY, and with --quiet', () => {
    for (const [isTTY, quiet] of [
      [false, false],
      [true, true],
    ] as const) {
      const { s, text } = stream(isTTY);
      const p = createProgress({ stream: s, format, quiet });
      assert.equal(p.active, false);
      drive(p);
      assert.equal(text(), '');
    }
  });

  it('formats byte counts', () => {
    assert.deepEqual([17, 812_000, 1_500_000, 42_000_000_000].map(formatBytes), ['17 B', '812 kB', '1.5 MB', '42 GB']);
  });
});
