import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BatchUploader } from '../src/batch-uploader.js';
import { NetworkError, RetryableError } from '../src/errors.js';
import type { LogBatch } from '../src/store.js';
import { ManualClock } from './support/manual-clock.js';

// Issue 12: the uploader takes its time from an injected clock, so its timing is tested by moving
// time by hand, without sleeping.

/** A store edge that records each log-batch request; `answer` decides how each one ends. */
function recordingStore(answer: (n: number) => Promise<void> = async () => {}) {
  const batches: LogBatch[] = [];
  return {
    batches,
    store: {
      logBatch: (_runId: string, batch: LogBatch) => {
        batches.push(batch);
        return answer(batches.length);
      },
      deleteTag: async () => {},
    },
  };
}

describe('BatchUploader on a manual clock', () => {
  it('sends a partial batch once batchDelayMs has passed, not before', async () => {
    const clock = new ManualClock();
    const { store, batches } = recordingStore();
    const uploader = new BatchUploader({ store, clock, batchDelayMs: 250 });
    for (let i = 0; i < 3; i++) uploader.addMetric('r', 'm', i, clock.now(), i);
    await clock.advance(249);
    assert.equal(batches.length, 0, 'nothing sent before the delay');
    await clock.advance(1);
    assert.deepEqual(batches.map((b) => b.metrics.length), [3]);
    assert.equal(uploader.pending, 0);
    uploader.close();
  });

  it('waits the retry policy’s backoff on the clock before resending a refused batch', async () => {
    const clock = new ManualClock();
    const { store, batches } = recordingStore(async (n) => {
      if (n === 1) throw new RetryableError('down', null, new NetworkError('connection reset', { reason: 'reset' }));
    });
    const uploader = new BatchUploader({ store, clock, batchDelayMs: 10, retry: { maxRetries: 5, baseDelayMs: 1000, maxDelayMs: 1000, jitterMs: 0 } });
    uploader.addMetric('r', 'm', 1, clock.now(), 0);
    await clock.advance(10);
    assert.equal(batches.length, 1);
    await clock.advance(999);
    assert.equal(batches.length, 1, 'no resend before the backoff passed');
    await clock.advance(1);
    assert.equal(batches.length, 2);
    assert.equal(uploader.stats().retries, 1);
    assert.equal(uploader.pending, 0);
    uploader.close();
  });

  it('flush resolves false when its deadline passes on the clock while the store does not answer', async () => {
    const clock = new ManualClock();
    const { store } = recordingStore(() => new Promise<void>(() => {}));
    const uploader = new BatchUploader({ store, clock });
    uploader.addMetric('r', 'm', 1, clock.now(), 0);
    let result: boolean | undefined;
    void uploader.flush(5000).then((ok) => (result = ok));
    await clock.advance(4999);
    assert.equal(result, undefined, 'still waiting before the deadline');
    await clock.advance(1);
    assert.equal(result, false);
    assert.equal(uploader.pending, 1);
    uploader.close();
  });
});
