// Python's MlflowClient, pointed at `runlog ui` over a local store, reads runs (search with a
// filter, order and pages), metric histories (NaN included) and artifacts (listed and downloaded
// through the server's artifact proxy, as from an `mlflow server`).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startUiServer, type UiServer } from '@runlog/ui';
import { ensureMlflow, runPython } from '../support/mlflow-env.js';
import { makeUiStoreFixture, tinyPng, type UiStoreFixture } from '../support/ui-store-fixture.js';

const env = await ensureMlflow();

describe('interop: Python MlflowClient reads a local store through runlog ui', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let fx: UiStoreFixture;
  let ui: UiServer;

  before(async () => {
    fx = await makeUiStoreFixture({ runs: 16, steps: 40 });
    await fx.store.logBatch(fx.runs[3]!.runId, {
      metrics: [
        { key: 'odd', value: NaN, timestamp: 1, step: 0 },
        { key: 'odd', value: Infinity, timestamp: 2, step: 1 },
      ],
      params: [],
      tags: [],
    });
    ui = await startUiServer({ trackingUri: fx.rootDir, port: 0, readOnly: true });
  });
  after(async () => {
    await ui?.close();
    await fx?.cleanup();
  });

  it('searches runs with a filter and order across pages, reads histories and downloads artifacts', async () => {
    const first = fx.runs[0]!;
    const script = `
import json, os, tempfile, math
from mlflow import MlflowClient
import mlflow.artifacts
url = ${JSON.stringify(ui.url)}
c = MlflowClient(tracking_uri=url)
exp_ids = ${JSON.stringify(fx.experimentIds)}
found, token = [], None
while True:
    page = c.search_runs(exp_ids, filter_string="params.optimizer = 'adam' and metrics.loss < 2", order_by=["metrics.loss ASC"], max_results=2, page_token=token)
    found += [(r.info.run_id, r.data.metrics["loss"], r.data.params["optimizer"]) for r in page]
    token = page.token
    if not token:
        break
hist = c.get_metric_history(${JSON.stringify(first.runId)}, "loss")
odd = c.get_metric_history(${JSON.stringify(fx.runs[3]!.runId)}, "odd")
run = c.get_run(${JSON.stringify(first.runId)})
top = sorted((f.path, f.is_dir) for f in c.list_artifacts(${JSON.stringify(first.runId)}))
images = [(f.path, f.file_size) for f in c.list_artifacts(${JSON.stringify(first.runId)}, "images")]
dst = tempfile.mkdtemp()
local = c.download_artifacts(${JSON.stringify(first.runId)}, "", dst)
files = {}
for root, _, names in os.walk(local):
    for n in names:
        p = os.path.join(root, n)
        files[os.path.relpath(p, local)] = os.path.getsize(p)
notes = open(mlflow.artifacts.download_artifacts(run_id=${JSON.stringify(first.runId)}, artifact_path="notes.txt", tracking_uri=url)).read()
exps = sorted(e.name for e in c.search_experiments())
print(json.dumps({
  "found": found,
  "hist": [(m.step, m.value) for m in hist],
  "odd": [str(m.value) for m in odd],
  "run_name": run.info.run_name,
  "artifact_uri": run.info.artifact_uri,
  "top": top,
  "images": images,
  "files": files,
  "notes": notes,
  "exps": exps,
}))
`;
    const out = await runPython(env!, script);
    const want = fx.runs.filter((r) => r.params.optimizer === 'adam' && r.metrics.loss! < 2).sort((a, b) => a.metrics.loss! - b.metrics.loss! || b.index - a.index);
    assert.ok(want.length >= 3, 'the search spans more than one page');
    assert.deepEqual(out.found.map((f: any) => f[0]), want.map((r) => r.runId));
    assert.deepEqual(out.found.map((f: any) => f[1]), want.map((r) => r.metrics.loss));
    assert.deepEqual(out.hist.map((h: any) => h[0]), Array.from({ length: 40 }, (_, i) => i));
    assert.equal(out.hist.at(-1)[1], first.metrics.loss);
    assert.deepEqual(out.odd, ['nan', 'inf']);
    assert.equal(out.run_name, first.name);
    assert.match(out.artifact_uri, /^mlflow-artifacts:\//);
    assert.deepEqual(out.top, [
      ['config.json', false],
      ['data', true],
      ['images', true],
      ['model', true],
      ['notes.txt', false],
    ]);
    assert.deepEqual(out.images, [['images/plot.png', tinyPng().length]]);
    assert.deepEqual(Object.keys(out.files).sort(), ['config.json', 'data/table.csv', 'images/plot.png', 'model/MLmodel', 'notes.txt']);
    assert.equal(out.files['images/plot.png'], tinyPng().length);
    assert.equal(out.notes, 'hello from runlog\nsecond line\n');
    assert.deepEqual(out.exps, ['Default', 'fixture-a', 'fixture-b']);
  });

  it("answers Python's bad filter with MLflow's INVALID_PARAMETER_VALUE", async () => {
    const out = await runPython(
      env!,
      `
import json
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
try:
    MlflowClient(tracking_uri=${JSON.stringify(ui.url)}).search_runs(${JSON.stringify(fx.experimentIds)}, filter_string="metrics.loss >")
    print(json.dumps({"raised": None}))
except MlflowException as e:
    print(json.dumps({"raised": e.error_code}))
`,
    );
    assert.equal(out.raised, 'INVALID_PARAMETER_VALUE');
  });
});
