// runs/search over the run index filters a list sorted once per order (cached until the index
// changes). Its pages must be exactly what core's FileStore.searchRuns (applyRunSearch) gives, for
// any filter, order and page, and a write must reorder the next answer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FileStore } from '@runlog/core/internal';
import { RunIndex } from '../src/local/run-index.js';
import { IndexedRunSearch } from '../src/local/run-search.js';
import { makeUiStoreFixture, type UiStoreFixture } from '../../../test/support/ui-store-fixture.js';

describe('IndexedRunSearch', () => {
  let fx: UiStoreFixture;
  let index: RunIndex;
  let search: IndexedRunSearch;
  let reference: FileStore;

  before(async () => {
    fx = await makeUiStoreFixture({ runs: 60, steps: 3, artifacts: false, runningRuns: 3 });
    reference = new FileStore(fx.rootDir);
    index = new RunIndex(fx.rootDir, { watch: false });
    search = new IndexedRunSearch(index);
  });
  after(async () => {
    index?.close();
    await reference?.close();
    await fx?.cleanup();
  });

  /** Every page of a query, run ids per page, through the index and through core. */
  async function pages(filter: string | undefined, orderBy: string[] | undefined, maxResults: number) {
    const viaIndex: string[][] = [];
    const viaCore: string[][] = [];
    let token: string | undefined;
    do {
      const page = await search.search({ experimentIds: fx.experimentIds, filter, orderBy, viewType: 'ACTIVE_ONLY', maxResults, pageToken: token });
      viaIndex.push(page.items.map((r) => r.run.info.runId));
      token = page.nextPageToken;
    } while (token);
    // Core's whole answer at once, cut into the same pages (core pages by offset too).
    const all = (await reference.searchRuns({ experimentIds: fx.experimentIds, filter, orderBy, maxResults: 1000 })).items.map((r) => r.info.runId);
    for (let i = 0; i < all.length || i === 0; i += maxResults) viaCore.push(all.slice(i, i + maxResults));
    return { viaIndex, viaCore };
  }

  it('pages every filter and order exactly as core does', async () => {
    const filters = [undefined, "params.optimizer = 'adam'", "params.optimizer = 'adam' and metrics.loss < 0.5", 'metrics.val_loss > 0', "tags.team = 'nobody'"];
    const orders = [undefined, ['metrics.loss ASC'], ['metrics.val_loss DESC'], ['params.lr DESC', 'attributes.run_name ASC'], ['attributes.start_time ASC']];
    for (const filter of filters) {
      for (const orderBy of orders) {
        for (const maxResults of [7, 100]) {
          const { viaIndex, viaCore } = await pages(filter, orderBy, maxResults);
          assert.deepEqual(viaIndex, viaCore, `filter ${filter} order ${JSON.stringify(orderBy)} pages of ${maxResults}`);
        }
      }
    }
  });

  it('sorts again after a write changes the order (the cached sorted list is dropped)', async () => {
    const first = async () => (await search.search({ experimentIds: fx.experimentIds, orderBy: ['metrics.loss ASC'], viewType: 'ACTIVE_ONLY', maxResults: 1 })).items[0]!.run.info.runId;
    const before = await first();
    const last = fx.runs.find((r) => r.runId !== before)!;
    await reference.logBatch(last.runId, { metrics: [{ key: 'loss', value: -1, timestamp: Date.now(), step: 99 }], params: [], tags: [] });
    await index.reload(last.runId);
    assert.equal(await first(), last.runId);
  });

  it('refuses a bad filter or order before reading the store', async () => {
    await assert.rejects(search.search({ experimentIds: fx.experimentIds, filter: 'params.lr = ', viewType: 'ALL' }), { name: 'InvalidFilterError' });
    await assert.rejects(search.search({ experimentIds: fx.experimentIds, orderBy: ['nope.x ASC'], viewType: 'ALL' }), { name: 'InvalidFilterError' });
  });
});
