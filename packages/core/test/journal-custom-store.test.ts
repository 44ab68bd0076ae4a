// Store capabilities, not classes (issue #12, item 3): the journal used to be given only to a store
// that was `instanceof RestStore`, so a custom store wrapping one silently lost it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RunlogClient } from '../src/client.js';
import { RestStore } from '../src/rest/rest-store.js';
import type { LogBatch, TrackingStore } from '../src/store.js';
import { RecordingServer, sendJson } from './support/recording-server.js';

/** A user's store: delegates every call to a RestStore, counts the batches, forwards the capabilities. */
class CountingStore implements TrackingStore {
  readonly displayUri: string;
  readonly capabilities: TrackingStore['capabilities'];
  batches = 0;

  constructor(private readonly inner: TrackingStore) {
    this.displayUri = inner.displayUri;
    this.capabilities = inner.capabilities;
  }

  logBatch(runId: string, batch: LogBatch): Promise<void> {
    this.batches++;
    return this.inner.logBatch(runId, batch);
  }

  createExperiment: TrackingStore['createExperiment'] = (...a) => this.inner.createExperiment(...a);
  getExperiment: TrackingStore['getExperiment'] = (...a) => this.inner.getExperiment(...a);
  findExperimentByName: TrackingStore['findExperimentByName'] = (...a) => this.inner.findExperimentByName(...a);
  searchExperiments: TrackingStore['searchExperiments'] = (...a) => this.inner.searchExperiments(...a);
  setExperimentTag: TrackingStore['setExperimentTag'] = (...a) => this.inner.setExperimentTag(...a);
  deleteExperiment: TrackingStore['deleteExperiment'] = (...a) => this.inner.deleteExperiment(...a);
  createRun: TrackingStore['createRun'] = (...a) => this.inner.createRun(...a);
  updateRun: TrackingStore['updateRun'] = (...a) => this.inner.updateRun(...a);
  getRun: TrackingStore['getRun'] = (...a) => this.inner.getRun(...a);
  deleteRun: TrackingStore['deleteRun'] = (...a) => this.inner.deleteRun(...a);
  restoreRun: TrackingStore['restoreRun'] = (...a) => this.inner.restoreRun(...a);
  searchRuns: TrackingStore['searchRuns'] = (...a) => this.inner.searchRuns(...a);
  deleteTag: TrackingStore['deleteTag'] = (...a) => this.inner.deleteTag(...a);
  getMetricHistory: TrackingStore['getMetricHistory'] = (...a) => this.inner.getMetricHistory(...a);
  logArtifact: TrackingStore['logArtifact'] = (...a) => this.inner.logArtifact(...a);
  putArtifact: TrackingStore['putArtifact'] = (...a) => this.inner.putArtifact(...a);
  listArtifacts: TrackingStore['listArtifacts'] = (...a) => this.inner.listArtifacts(...a);
  downloadArtifacts: TrackingStore['downloadArtifacts'] = (...a) => this.inner.downloadArtifacts(...a);
  uploadToArtifactUri: TrackingStore['uploadToArtifactUri'] = (...a) => this.inner.uploadToArtifactUri(...a);
  downloadFromArtifactUri: TrackingStore['downloadFromArtifactUri'] = (...a) => this.inner.downloadFromArtifactUri(...a);
  supportsLoggedModels: TrackingStore['supportsLoggedModels'] = () => this.inner.supportsLoggedModels();
  createLoggedModel: TrackingStore['createLoggedModel'] = (...a) => this.inner.createLoggedModel(...a);
  getLoggedModel: TrackingStore['getLoggedModel'] = (...a) => this.inner.getLoggedModel(...a);
  finalizeLoggedModel: TrackingStore['finalizeLoggedModel'] = (...a) => this.inner.finalizeLoggedModel(...a);
  logModelOutputs: TrackingStore['logModelOutputs'] = (...a) => this.inner.logModelOutputs(...a);
  searchLoggedModels: TrackingStore['searchLoggedModels'] = (...a) => this.inner.searchLoggedModels(...a);
  setLoggedModelTags: TrackingStore['setLoggedModelTags'] = (...a) => this.inner.setLoggedModelTags(...a);
  deleteLoggedModelTag: TrackingStore['deleteLoggedModelTag'] = (...a) => this.inner.deleteLoggedModelTag(...a);
  close: TrackingStore['close'] = () => this.inner.close();
}

describe('a custom store wrapping a RestStore (issue #12)', () => {
  it('keeps the journal: a run starts offline while the server is away, and its records reach the server through the wrapper', async () => {
    const server = await new RecordingServer().start();
    let down = true;
    const created = new Map<string, string>();
    const steps: number[] = [];
    server.responder = (req, res) => {
      if (down) return sendJson(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'down' });
      if (req.path.endsWith('/runs/create')) {
        const cid = (req.body.tags as Array<{ key: string; value: string }>).find((t) => t.key === 'runlog.clientRunId')?.value ?? '';
        created.set(cid, 'srv1');
        return sendJson(res, 200, { run: { info: { run_id: 'srv1', run_name: 'r', experiment_id: '0', status: 'RUNNING', start_time: 1, artifact_uri: '', lifecycle_stage: 'active' }, data: {} } });
      }
      if (req.path.endsWith('/runs/search')) {
        const id = created.get(/= '(.*)'/.exec(req.body.filter)?.[1] ?? '');
        return sendJson(res, 200, id ? { runs: [{ info: { run_id: id } }] } : {});
      }
      if (req.path.endsWith('/runs/log-batch')) for (const m of req.body.metrics ?? []) steps.push(m.step);
      if (req.path.endsWith('/runs/update')) {
        return sendJson(res, 200, { run_info: { run_id: req.body.run_id, status: req.body.status, start_time: 1, experiment_id: '0', lifecycle_stage: 'active', artifact_uri: '' } });
      }
      return undefined;
    };
    const dir = mkdtempSync(join(tmpdir(), 'runlog-custom-store-'));
    const store = new CountingStore(new RestStore({ baseUrl: server.url }));
    const client = new RunlogClient({
      store,
      journal: { dir, commitIntervalMs: 5 },
      uploader: { retry: { maxRetries: Infinity, baseDelayMs: 20, maxDelayMs: 50, jitterMs: 0 }, batchDelayMs: 5 },
      onError: () => undefined,
    });
    try {
      assert.notEqual(client.journal, undefined, 'the wrapped store gets the journal');
      const run = await client.createRun('0');
      assert.match(run.info.runId, /^[0-9a-f]{32}$/, 'a local id: the run started offline');
      for (let i = 0; i < 50; i++) client.logMetric(run.info.runId, 'm', i, { step: i });
      assert.equal(readdirSync(dir).length, 1, 'a journal session');
      down = false;
      await client.setTerminated(run.info.runId, 'FINISHED', { timeoutMs: 30_000 });
      assert.deepEqual(steps.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
      assert.ok(store.batches > 0, 'the records went through the wrapper');
      assert.equal(client.pendingRecords, 0);
    } finally {
      await client.close(1000);
      await server.stop();
    }
  });
});
