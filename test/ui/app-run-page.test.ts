// The run page in real headless Chromium over `runlog ui` on a generated local store: params, a
// drawn metric chart, the artifact browser's image and text previews, edits of the description
// and tags, read-only mode, and a RUNNING run's page picking up new values without a reload.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { browserUnavailable } from '../support/browser.js';
import { startAppHarness, type AppHarness } from '../support/ui-app.js';

describe('run page in the browser', { skip: browserUnavailable() }, () => {
  let app: AppHarness;

  before(async () => {
    app = await startAppHarness({ runs: 6, steps: 40, artifacts: true, runningRuns: 1 });
  });
  after(async () => {
    await app?.close();
  });

  it('shows the params and draws a chart of each metric', async () => {
    const run = app.fx.runs[0]!;
    const page = await app.open(`#/runs/${run.runId}`);
    const params = page.getByRole('table', { name: 'Params' });
    await params.waitFor();
    for (const [key, value] of Object.entries(run.params)) {
      assert.equal(await params.locator('tr', { has: page.locator('th', { hasText: new RegExp(`^${key}$`) }) }).locator('td').innerText(), value);
    }
    // uPlot draws on a canvas: wait until the loss chart's canvas has coloured pixels
    await page.waitForFunction(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('div.chart-card[data-metric="loss"] canvas');
      if (!canvas || canvas.width === 0) return false;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i + 3]! > 0 && !(pixels[i] === pixels[i + 1] && pixels[i + 1] === pixels[i + 2])) coloured++;
      return coloured > 50;
    }, undefined, { timeout: 20_000 });
    assert.equal(await page.locator('div.chart-card[data-metric]').count(), Object.keys(run.metrics).length);
    await app.screenshot(page, 'app-run-page');
    await page.context().close();
  });

  it('previews an image and a text file in the artifact browser', async () => {
    const run = app.fx.runs[0]!;
    const page = await app.open(`#/runs/${run.runId}`);
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: 'images/' }).click();
    await page.locator('button[data-path="images/plot.png"]').click();
    const image = page.locator('img.image-preview');
    await image.waitFor();
    await page.waitForFunction(() => (document.querySelector<HTMLImageElement>('img.image-preview')?.naturalWidth ?? 0) > 0);
    assert.equal(await image.evaluate((img: HTMLImageElement) => img.naturalWidth), 2);
    assert.match(new URL(page.url()).hash, /tab=artifacts/);
    await app.screenshot(page, 'app-artifact-image');

    await page.locator('button[data-path="notes.txt"]').click();
    await page.getByTestId('artifact-text').waitFor();
    assert.equal(await page.getByTestId('artifact-text').innerText(), 'hello from runlog\nsecond line\n');

    await page.locator('button[data-path="config.json"]').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="artifact-text"]')?.textContent?.includes('"layers"'));
    assert.deepEqual(JSON.parse(await page.getByTestId('artifact-text').innerText()), { lr: 0.1, layers: [64, 32] });

    await page.getByRole('button', { name: 'data/' }).click();
    await page.locator('button[data-path="data/table.csv"]').click();
    const csv = page.getByRole('table', { name: 'Preview of data/table.csv' });
    await csv.waitFor();
    // the table's cells may be drawn a render after the table itself: wait for the whole preview
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Preview of data/table.csv"] tbody td').length === 4);
    assert.deepEqual(await csv.locator('th').allInnerTexts(), ['a', 'b']);
    assert.deepEqual(await csv.locator('tbody td').allInnerTexts(), ['1', '2', '3', '4']);

    // a deep link to a file opens its preview directly
    const linked = await app.open(`#/runs/${run.runId}?tab=artifacts&path=notes.txt`);
    await linked.getByTestId('artifact-text').waitFor();
    await linked.context().close();
    await page.context().close();
  });

  it('shows a logged model with its signature and input example', async () => {
    const run = app.fx.runs[2]!;
    const model = await app.fx.store.createLoggedModel(run.experimentId, { name: 'regressor', sourceRunId: run.runId });
    const dir = fileURLToPath(model.artifactUri);
    await mkdir(dir, { recursive: true });
    const inputs = JSON.stringify([{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 4] }, name: 'features' }]);
    const outputs = JSON.stringify([{ type: 'double', name: 'price', required: true }]);
    await writeFile(
      join(dir, 'MLmodel'),
      `artifact_path: ${model.artifactUri}\nflavors:\n  tfjs:\n    data: model\nmodel_id: ${model.modelId}\n` +
        `saved_input_example_info:\n  artifact_path: input_example.json\n  type: ndarray\n` +
        `signature:\n  inputs: '${inputs}'\n  outputs: '${outputs}'\n  params: null\n`,
    );
    await writeFile(join(dir, 'input_example.json'), '[[1, 2, 3, 4]]');
    await app.fx.store.finalizeLoggedModel(model.modelId, 'LOGGED_MODEL_READY');
    await app.fx.store.logModelOutputs(run.runId, [{ modelId: model.modelId, step: 0 }]);

    const page = await app.open(`#/runs/${run.runId}?tab=models`);
    const card = page.getByTestId('logged-model');
    await card.waitFor();
    assert.match(await card.locator('h3').innerText(), new RegExp(`regressor \\(${model.modelId}\\)`));
    assert.match(await card.innerText(), /tfjs/);
    const signatureInputs = card.getByRole('table', { name: 'Signature inputs' });
    assert.deepEqual(await signatureInputs.locator('tbody td').allInnerTexts(), ['features', 'tensor<float32>', 'shape [-1, 4]']);
    assert.deepEqual(await card.getByRole('table', { name: 'Signature outputs' }).locator('tbody td').allInnerTexts(), ['price', 'double', 'required']);
    await card.getByText('Input example').click();
    await card.locator('pre.code').waitFor();
    assert.deepEqual(JSON.parse(await card.locator('pre.code').innerText()), [[1, 2, 3, 4]]);
    await app.screenshot(page, 'app-logged-model');
    await page.context().close();
  });

  it('edits the description and a tag, which the server keeps', async () => {
    const run = app.fx.runs[1]!;
    const page = await app.open(`#/runs/${run.runId}`);
    await page.getByRole('heading', { name: 'Description' }).waitFor();
    await page.locator('section', { has: page.getByRole('heading', { name: 'Description' }) }).getByRole('button', { name: 'Edit' }).click();
    await page.getByRole('textbox', { name: 'Description' }).fill('first try at a wider model');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('first try at a wider model').waitFor();
    await page.getByLabel('Tag key').fill('reviewed');
    await page.getByLabel('Tag value').fill('yes');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await page.getByRole('table', { name: 'Tags' }).getByText('reviewed').waitFor();
    const stored = await app.fx.store.getRun(run.runId);
    assert.equal(stored.data.tags['mlflow.note.content'], 'first try at a wider model');
    assert.equal(stored.data.tags.reviewed, 'yes');
    await page.context().close();
  });

  it('refreshes a RUNNING run by itself', async () => {
    const run = app.fx.runs.find((r) => r.status === 'RUNNING')!;
    const page = await app.open(`#/runs/${run.runId}`);
    await page.getByRole('table', { name: 'Params' }).waitFor();
    assert.equal(await page.locator('main').getAttribute('data-run-status'), 'RUNNING');
    await app.fx.store.logBatch(run.runId, { metrics: [], params: [{ key: 'late_param', value: 'arrived' }], tags: [] });
    await page.getByRole('table', { name: 'Params' }).getByText('arrived').waitFor({ timeout: 15_000 });
    await app.fx.store.updateRun(run.runId, { status: 'FINISHED', endTime: Date.now() });
    await page.waitForFunction(() => document.querySelector('main')?.getAttribute('data-run-status') === 'FINISHED', undefined, { timeout: 15_000 });
    await page.context().close();
  });
});

describe('run page of a read-only server', { skip: browserUnavailable() }, () => {
  let app: AppHarness;
  before(async () => {
    app = await startAppHarness({ runs: 2, steps: 5, artifacts: false }, { readOnly: true });
  });
  after(async () => {
    await app?.close();
  });

  it('shows the read-only badge and offers no writes', async () => {
    const page = await app.open(`#/runs/${app.fx.runs[0]!.runId}`);
    await page.getByText('read-only', { exact: true }).waitFor();
    await page.getByRole('table', { name: 'Params' }).waitFor();
    for (const name of ['Rename', 'Delete', 'Edit', 'Set tag']) {
      assert.equal(await page.getByRole('button', { name, exact: true }).isDisabled(), true, `${name} is disabled`);
    }
    await page.context().close();
  });
});
