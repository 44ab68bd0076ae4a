import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { RunlogClient } from '@runlog/core';
import { childNodeArgs, cliNodeArgs } from '../support/child-node.js';
import { ensureMlflow, runPython, sharedMlflowServer, type MlflowServer } from '../support/mlflow-env.js';
import { withOutageSwitch } from '../support/outage-switch.js';
import { runCli } from '../support/run-cli.js';

// Issue 10, "Training never waits on an absent server": with the server down, fit() under
// autolog returns right after its last epoch, its model and summary (and other artifacts) are
// staged in the journal, and they land on a real MLflow 3.18 server later, through `runlog sync`
// or through the logging process itself when the server comes back.

const env = await ensureMlflow();
const root = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(root, 'test', 'fixtures', 'offline-autolog-child.mjs');

function runChild(uri: string, file: string, journalDir: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, childNodeArgs(CHILD, uri, file), {
      cwd: root,
      env: { ...process.env, RUNLOG_JOURNAL_DIR: journalDir },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What Python MLflow sees of the run created for local run id `clientId`: its artifacts and its logged model. */
async function pyView(server: MlflowServer, clientId: string) {
  return runPython(
    env!,
    `import json, mlflow, yaml
from mlflow.tracking import MlflowClient
mlflow.set_tracking_uri(${JSON.stringify(server.uri)})
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
runs = c.search_runs(['0'], filter_string="tags.\`runlog.clientRunId\` = '${clientId}'")
r = runs[0]
def walk(path=None):
    out = []
    for f in c.list_artifacts(r.info.run_id, path):
        out += walk(f.path) if f.is_dir else [f.path]
    return out
models = mlflow.search_logged_models(experiment_ids=['0'], filter_string="source_run_id = '%s'" % r.info.run_id, output_format='list')
m = models[0] if models else None
mlmodel = None
if m is not None:
    d = mlflow.artifacts.download_artifacts(artifact_uri=m.artifact_location)
    mlmodel = yaml.safe_load(open(d + '/MLmodel'))
print(json.dumps({'status': r.info.status, 'artifacts': sorted(walk()), 'n_runs': len(runs),
  'summary': open(mlflow.artifacts.download_artifacts(run_id=r.info.run_id, artifact_path='model_summary.txt')).read()[:20],
  'model': None if m is None else {'status': str(m.status), 'name': m.name, 'mlmodel_model_id': mlmodel.get('model_id'), 'model_id': m.model_id,
     'mlmodel_run_id': mlmodel.get('run_id'), 'run_id': r.info.run_id, 'flavors': sorted(mlmodel['flavors'])},
  'outputs': [o.model_id for o in (r.outputs.model_outputs if r.outputs else [])]}))
`,
  );
}

describe('artifacts logged while the server is away reach a real MLflow 3.18 server', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let server: MlflowServer;
  before(async () => {
    // A generous bound: the shared test machine can be slow to start Python.
    server = await withOutageSwitch(await sharedMlflowServer(env!));
  });
  after(async () => {
    await server?.stop();
  });

  it('autolog fit() with the server down returns at once; runlog sync then uploads the model, summary and artifacts in order', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    const file = join(mkdtempSync(join(tmpdir(), 'runlog-art-')), 'extra.txt');
    writeFileSync(file, 'extra bytes');
    await server.stop();
    let child;
    try {
      child = await runChild(server.uri, file, journalDir);
    } finally {
      await server.restart();
    }
    assert.equal(child.code, 0, child.stderr);
    const out = JSON.parse(child.stdout.split('\n')[0]!) as { runId: string; fitGapMs: number };
    // Before issue 10 this gap was the connect/flush timeouts (minutes); a fraction of one 2 s connect timeout now.
    assert.ok(out.fitGapMs < 2000, `fit() returned ${out.fitGapMs} ms after its last epoch`);
    const lines = child.stderr.split('\n').filter((l) => l.includes('wait in the journal'));
    assert.equal(lines.length, 1, child.stderr);
    assert.match(lines[0]!, /record\(s\), 1 run end\(s\) and 4 artifact upload\(s\) for \S+ wait in the journal \S+; upload them with: npx runlog sync --journal /);

    // Not spawnSync: the outage switch in front of the server lives in this process's event loop.
    const sync = await runCli(['sync', '--journal', journalDir], { cwd: root, env: { RUNLOG_JOURNAL_DIR: journalDir } });
    assert.equal(sync.code, 0, sync.out + sync.err);
    assert.deepEqual(readdirSync(journalDir), [], 'the synced session is deleted');

    const py = await pyView(server, out.runId);
    assert.equal(py.n_runs, 1);
    assert.equal(py.status, 'FINISHED');
    assert.deepEqual(py.artifacts, ['extra/extra.txt', 'model_summary.txt', 'notes.txt']);
    assert.match(py.summary, /\S/);
    assert.ok(py.model, 'a LoggedModel was created for the run');
    assert.equal(py.model.status, 'READY');
    assert.equal(py.model.name, 'model');
    assert.equal(py.model.mlmodel_model_id, py.model.model_id);
    assert.equal(py.model.mlmodel_run_id, py.model.run_id, 'MLmodel names the server run id, not the local one');
    assert.ok(py.model.flavors.includes('tfjs'));
    assert.deepEqual(py.outputs, [py.model.model_id]);
  });

  it('a process still running when the server returns uploads its staged artifacts itself, then ends the run', async () => {
    const journalDir = mkdtempSync(join(tmpdir(), 'runlog-journal-'));
    await server.stop();
    const client = new RunlogClient({ trackingUri: server.uri, journal: { dir: journalDir }, onError: () => undefined });
    let clientId: string;
    try {
      const run = await client.createRun('0', { runName: 'offline-inprocess' });
      clientId = run.info.runId;
      client.logMetric(clientId, 'loss', 1);
      await client.logText(clientId, 'staged while away', 'model_summary.txt');
      await client.logDict(clientId, { a: 1 }, 'notes.txt');
      const dir = mkdtempSync(join(tmpdir(), 'runlog-art-'));
      writeFileSync(join(dir, 'extra.txt'), 'x');
      await client.logArtifacts(clientId, dir, 'extra');
      await client.setTerminated(clientId, 'FINISHED', { timeoutMs: 5000 });
    } finally {
      await server.restart();
    }
    // The background probe finds the server, then the records, the artifacts and the end go up.
    for (let i = 0; i < 300 && (client.pendingRecords > 0 || client.offlineArtifacts!.pendingFor() > 0); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await client.close(30_000), true);
    assert.deepEqual(readdirSync(journalDir), []);
    const py = await runPython(
      env!,
      `import json
from mlflow.tracking import MlflowClient
c = MlflowClient(tracking_uri=${JSON.stringify(server.uri)})
r = c.search_runs(['0'], filter_string="tags.\`runlog.clientRunId\` = '${clientId!}'")[0]
print(json.dumps({'status': r.info.status, 'files': sorted(f.path for f in c.list_artifacts(r.info.run_id)) + sorted(f.path for f in c.list_artifacts(r.info.run_id, 'extra'))}))
`,
    );
    assert.deepEqual(py, { status: 'FINISHED', files: ['extra', 'model_summary.txt', 'notes.txt', 'extra/extra.txt'] });
  });
});
