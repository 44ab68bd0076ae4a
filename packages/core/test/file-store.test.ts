import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../src/errors.js';
import { META_YAML, parsePythonFloat, pyFloatRepr, pyYamlDump, pyYamlLoad } from '../src/py/index.js';
import { FileStore } from '../src/stores/file-store.js';
import { pathToFileUri } from '../src/stores/local-artifacts.js';

// Every expected string below was observed in files written by MLflow 3.18 (FileStore, PyYAML 6 with
// libyaml) for the same inputs.

let tmp: string;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'runlog-file-store-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let counter = 0;
/** A store in a fresh directory with a clock that ticks 1 ms per call from 1700000000000. */
function freshStore(): { store: FileStore; root: string } {
  const root = join(tmp, `s${++counter}`, 'mlruns');
  let t = 1_700_000_000_000;
  return { store: new FileStore(root, { now: () => ++t }), root };
}

const read = (path: string): Promise<string> => readFile(path, 'utf8');
const point = (key: string, value: number, timestamp: number, step: number) => ({ key, value, timestamp, step });

describe('FileStore: bytes on disk as MLflow 3.18 writes them', () => {
  it('creates experiment 0 "Default" in a missing root, with MLflow\'s meta.yaml', async () => {
    const { store, root } = freshStore();
    const exp = await store.getExperiment('0');
    assert.equal(exp.name, 'Default');
    assert.equal(
      await read(join(root, '0', 'meta.yaml')),
      `artifact_location: ${pathToFileUri(root)}/0\n` +
        'creation_time: 1700000000001\n' +
        'effective_trace_archival_retention: null\n' +
        "experiment_id: '0'\n" +
        'last_update_time: 1700000000001\n' +
        'lifecycle_stage: active\n' +
        'name: Default\n' +
        'trace_location: null\n' +
        'workspace: default\n',
    );
    assert.ok((await stat(join(root, '.trash'))).isDirectory());
  });

  it('does not add experiment 0 to a root that already holds experiments', async () => {
    const { store: first, root } = freshStore();
    const id = await first.createExperiment('keep');
    await rm(join(root, '0'), { recursive: true });
    const second = new FileStore(root);
    await assert.rejects(second.getExperiment('0'), NotFoundError);
    assert.equal((await second.getExperiment(id)).name, 'keep');
  });

  it('writes experiment meta.yaml and tags/<key> files; ids are 18-digit integers', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('exp-one', undefined, [
      { key: 'team', value: 'a' },
      { key: 'n', value: '0' },
    ]);
    assert.match(id, /^[1-9]\d{17}$/);
    assert.equal(
      await read(join(root, id, 'meta.yaml')),
      `artifact_location: ${pathToFileUri(root)}/${id}\n` +
        'creation_time: 1700000000002\n' +
        'effective_trace_archival_retention: null\n' +
        `experiment_id: '${id}'\n` +
        'last_update_time: 1700000000002\n' +
        'lifecycle_stage: active\n' +
        'name: exp-one\n' +
        'trace_location: null\n' +
        'workspace: default\n',
    );
    assert.equal(await read(join(root, id, 'tags', 'team')), 'a');
    assert.equal(await read(join(root, id, 'tags', 'n')), '0');
  });

  it('writes run meta.yaml with an integer status and no deleted_time while active', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('e');
    const info = await store.createRun({ experimentId: id, startTime: 1_700_000_000_000, tags: [{ key: 'k', value: 'v' }] });
    assert.match(info.runId, /^[0-9a-f]{32}$/);
    assert.match(info.runName, /^[a-z]+-[a-z]+-\d{1,4}$/);
    await store.updateRun(info.runId, { status: 'FINISHED', endTime: 1_700_000_001_000 });
    const runDir = join(root, id, info.runId);
    assert.equal(
      await read(join(runDir, 'meta.yaml')),
      `artifact_uri: ${pathToFileUri(root)}/${id}/${info.runId}/artifacts\n` +
        'end_time: 1700000001000\n' +
        "entry_point_name: ''\n" +
        `experiment_id: '${id}'\n` +
        'lifecycle_stage: active\n' +
        `run_id: ${info.runId}\n` +
        `run_name: ${info.runName}\n` +
        "source_name: ''\n" +
        'source_type: 4\n' +
        "source_version: ''\n" +
        'start_time: 1700000000000\n' +
        'status: 3\n' +
        'tags: []\n' +
        'user_id: unknown\n',
    );
    assert.equal(await read(join(runDir, 'tags', 'mlflow.runName')), info.runName);
    assert.equal(await read(join(runDir, 'tags', 'k')), 'v');
    for (const d of ['metrics', 'params', 'artifacts']) assert.ok((await stat(join(runDir, d))).isDirectory());
  });

  it('records deleted_time on a deleted run and drops it on restore', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('e');
    const info = await store.createRun({ experimentId: id, startTime: 5, runName: 'child', tags: [] });
    await store.deleteRun(info.runId);
    const meta = await read(join(root, id, info.runId, 'meta.yaml'));
    assert.match(meta, /^artifact_uri: .*\ndeleted_time: 1700000000003\nend_time: null\n/);
    assert.match(meta, /\nlifecycle_stage: deleted\n/);
    assert.match(meta, /\nrun_name: child\n/);
    await store.restoreRun(info.runId);
    const restored = await read(join(root, id, info.runId, 'meta.yaml'));
    assert.doesNotMatch(restored, /deleted_time/);
    assert.match(restored, /\nlifecycle_stage: active\n/);
  });

  it('appends metric lines "<ts> <python float> <step>", keys with / as folders', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('e');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    const values = [1.0, 0.5, 1e-5, 1e16, NaN, Infinity, -Infinity, 123456789012345.0, 3, -0, 1.5e300, 0.1 + 0.2];
    await store.logBatch(runId, {
      metrics: [...values.map((v) => point('m', v, 1_700_000_000_000, 2)), point('a/b/c', 2.5, 1_700_000_000_001, 0)],
      params: [],
      tags: [],
    });
    assert.equal(
      await read(join(root, id, runId, 'metrics', 'm')),
      [
        '1.0', '0.5', '1e-05', '1e+16', 'nan', 'inf', '-inf', '123456789012345.0', '3.0', '-0.0', '1.5e+300',
        '0.30000000000000004',
      ].map((v) => `1700000000000 ${v} 2\n`).join(''),
    );
    assert.equal(await read(join(root, id, runId, 'metrics', 'a', 'b', 'c')), '1700000000001 2.5 0\n');
  });

  it('writes params and tags as raw UTF-8 without a trailing newline', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('e');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await store.logBatch(runId, {
      metrics: [],
      params: [
        { key: 'lr', value: '0.1' },
        { key: 'empty', value: '' },
        { key: 'uni', value: 'héllo ✓\nline2' },
        { key: 'opt/name', value: 'adam' },
      ],
      tags: [{ key: 'team/a', value: 'x' }],
    });
    const dir = join(root, id, runId);
    assert.deepEqual(await readFile(join(dir, 'params', 'uni')), Buffer.from('héllo ✓\nline2', 'utf8'));
    assert.equal(await read(join(dir, 'params', 'lr')), '0.1');
    assert.equal(await read(join(dir, 'params', 'empty')), '');
    assert.equal(await read(join(dir, 'params', 'opt', 'name')), 'adam');
    assert.equal(await read(join(dir, 'tags', 'team', 'a')), 'x');
  });

  it('on experiment deletion writes its tags into meta.yaml, marks its runs deleted, moves it to .trash', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('del-tags', undefined, [
      { key: 'team', value: 'a' },
      { key: 'num', value: '0' },
      { key: 'e', value: '' },
    ]);
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await store.deleteExperiment(id);
    await assert.rejects(stat(join(root, id)));
    assert.equal(
      await read(join(root, '.trash', id, 'meta.yaml')),
      `artifact_location: ${pathToFileUri(root)}/${id}\n` +
        'creation_time: 1700000000002\n' +
        'effective_trace_archival_retention: null\n' +
        `experiment_id: '${id}'\n` +
        'last_update_time: 1700000000003\n' +
        'lifecycle_stage: deleted\n' +
        'name: del-tags\n' +
        'tags:\n' +
        "  e: ''\n" +
        "  num: '0'\n" +
        '  team: a\n' +
        'trace_location: null\n' +
        'workspace: default\n',
    );
    assert.match(await read(join(root, '.trash', id, runId, 'meta.yaml')), /deleted_time: 1700000000003\n[^]*lifecycle_stage: deleted\n/);
    const exp = await store.getExperiment(id);
    assert.equal(exp.lifecycleStage, 'deleted');
    assert.deepEqual(exp.tags, { team: 'a', num: '0', e: '' });
    assert.equal((await store.getRun(runId)).info.lifecycleStage, 'deleted');
    await assert.rejects(store.createRun({ experimentId: id, startTime: 1, tags: [] }), InvalidArgumentError);
    await assert.rejects(store.deleteExperiment('0'), /Cannot delete the default experiment '0'/);
  });
});

describe('FileStore: Python-compatible formats', () => {
  it('formats floats as Python str(float) and parses them back', () => {
    const cases: Array<[number, string]> = [
      [1, '1.0'], [0.5, '0.5'], [1e-5, '1e-05'], [1e-4, '0.0001'], [1e16, '1e+16'], [9999999999999998, '9999999999999998.0'],
      [123456789012345, '123456789012345.0'], [NaN, 'nan'], [Infinity, 'inf'], [-Infinity, '-inf'], [-0, '-0.0'],
      [5e-324, '5e-324'], [1.7976931348623157e308, '1.7976931348623157e+308'], [-2.5e-7, '-2.5e-07'], [0.1 + 0.2, '0.30000000000000004'],
    ];
    for (const [v, text] of cases) {
      assert.equal(pyFloatRepr(v), text);
      assert.ok(Object.is(parsePythonFloat(text), v), text);
    }
    assert.equal(parsePythonFloat('Infinity'), Infinity);
    assert.equal(parsePythonFloat('1_0.5'), 10.5);
    assert.equal(parsePythonFloat('0x10'), undefined);
    assert.equal(parsePythonFloat(''), undefined);
  });

  it('dumps YAML exactly as yaml.dump(..., CSafeDumper) quotes and folds', () => {
    const cases: Array<[string, string]> = [
      ['', "k: ''\n"], ['0', "k: '0'\n"], ['yes', "k: 'yes'\n"], ['y', 'k: y\n'], ['1e5', 'k: 1e5\n'], ['08', 'k: 08\n'],
      ['012', "k: '012'\n"], ['1:20', "k: '1:20'\n"], ['2024-01-01', "k: '2024-01-01'\n"], ['null', "k: 'null'\n"],
      ['a: b', "k: 'a: b'\n"], ['a:b', 'k: a:b\n'], ['x #y', "k: 'x #y'\n"], ["'", "k: ''''\n"], ["it's", "k: it's\n"],
      ['- a', "k: '- a'\n"], ['---', "k: '---'\n"], ['=', "k: '='\n"], [' lead', "k: ' lead'\n"], ['tab\tx', 'k: "tab\\tx"\n'],
      ['a\nb', "k: 'a\n\n  b'\n"], ['é ✓', 'k: é ✓\n'], ['😀', 'k: "\\U0001F600"\n'], ['\u0085', 'k: "\\N"\n'],
      [
        ('word '.repeat(30)).trim(),
        'k: word word word word word word word word word word word word word word word word\n  word word word word word word word word word word word word word word\n',
      ],
    ];
    for (const [value, expected] of cases) assert.equal(pyYamlDump({ k: value }, META_YAML), expected, JSON.stringify(value));
    assert.equal(
      pyYamlDump({ b: 1, a: null, c: [], d: {}, e: { z: 'q', y: '0' }, '1': 6, B: 2 }, META_YAML),
      "'1': 6\nB: 2\na: null\nb: 1\nc: []\nd: {}\ne:\n  y: '0'\n  z: q\n",
    );
  });

  it('loads YAML with PyYAML 1.1 typing (quoted strings stay strings, 08 is a string)', () => {
    assert.deepEqual(pyYamlLoad("a: '0'\nb: 08\nc: 012\nd: null\ne: 17\nf: 'x\n\n  y'\ng: []\n"), {
      a: '0', b: '08', c: 10, d: null, e: 17, f: 'x\ny', g: [],
    });
  });
});

describe('FileStore: behaviour', () => {
  it('names runs from runName or the mlflow.runName tag, and rejects a conflict', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('names');
    const byArg = await store.createRun({ experimentId: id, startTime: 1, runName: 'mine', tags: [] });
    assert.equal(byArg.runName, 'mine');
    assert.equal((await store.getRun(byArg.runId)).data.tags['mlflow.runName'], 'mine');
    const byTag = await store.createRun({ experimentId: id, startTime: 1, tags: [{ key: 'mlflow.runName', value: 'tagged' }] });
    assert.equal(byTag.runName, 'tagged');
    await assert.rejects(
      store.createRun({ experimentId: id, startTime: 1, runName: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }),
      InvalidArgumentError,
    );
    const renamed = await store.updateRun(byArg.runId, { runName: 'renamed' });
    assert.equal(renamed.runName, 'renamed');
    const run = await store.getRun(byArg.runId);
    assert.equal(run.info.runName, 'renamed');
    assert.equal(run.data.tags['mlflow.runName'], 'renamed');
    await store.logBatch(byArg.runId, { metrics: [], params: [], tags: [{ key: 'mlflow.runName', value: 'via-tag' }] });
    assert.equal((await store.getRun(byArg.runId)).info.runName, 'via-tag');
  });

  it('takes user_id from the request, else the mlflow.user tag, else "unknown"', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('users');
    assert.equal((await store.createRun({ experimentId: id, startTime: 1, userId: 'ann', tags: [] })).userId, 'ann');
    assert.equal((await store.createRun({ experimentId: id, startTime: 1, tags: [{ key: 'mlflow.user', value: 'bob' }] })).userId, 'bob');
    assert.equal((await store.createRun({ experimentId: id, startTime: 1, tags: [] })).userId, 'unknown');
  });

  it('rejects a duplicate experiment name and finds experiments by name', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('dup');
    await assert.rejects(store.createExperiment('dup'), (err: Error) => err instanceof InvalidArgumentError && err.message === "Experiment 'dup' already exists.");
    assert.equal((await store.findExperimentByName('dup'))?.experimentId, id);
    assert.equal(await store.findExperimentByName('absent'), null);
    await store.deleteExperiment(id);
    await assert.rejects(store.createExperiment('dup'), /already exists in deleted state/);
    await assert.rejects(store.createExperiment('  '), InvalidArgumentError);
  });

  it('keeps params write-once: the same value is a no-op, a new value rejects the whole batch', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('params');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await store.logBatch(runId, { metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [] });
    await store.logBatch(runId, { metrics: [], params: [{ key: 'lr', value: '0.1' }], tags: [] });
    await assert.rejects(
      store.logBatch(runId, {
        metrics: [point('loss', 1, 1, 0)],
        params: [{ key: 'new', value: 'x' }, { key: 'lr', value: '0.2' }],
        tags: [],
      }),
      (err: Error) =>
        err instanceof InvalidArgumentError &&
        err.message.startsWith("Changing param values is not allowed. Param with key='lr' was already logged with value='0.1'"),
    );
    assert.deepEqual(await readdir(join(root, id, runId, 'params')), ['lr']);
    assert.deepEqual(await readdir(join(root, id, runId, 'metrics')), []);
  });

  it('rejects writes to a deleted run and accepts them again after restore', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('deleted');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await store.deleteRun(runId);
    const batch = { metrics: [point('m', 1, 1, 0)], params: [], tags: [] };
    await assert.rejects(store.logBatch(runId, batch), /must be in 'active' lifecycle_stage/);
    await assert.rejects(store.updateRun(runId, { status: 'FINISHED' }), InvalidArgumentError);
    await assert.rejects(store.deleteTag(runId, 'mlflow.runName'), InvalidArgumentError);
    await store.restoreRun(runId);
    await store.logBatch(runId, batch);
    assert.equal((await store.getRun(runId)).data.metrics.m, 1);
  });

  it('reports the latest metric by step, then timestamp, then value; NaN never wins a tie', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('latest');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await store.logBatch(runId, {
      metrics: [
        point('bystep', 9, 50, 1), point('bystep', 1, 10, 2),
        point('byts', 1, 20, 3), point('byts', 9, 10, 3),
        point('byvalue', 1, 10, 3), point('byvalue', 5, 10, 3), point('byvalue', 2, 10, 3),
        point('tie', 1, 10, 3), point('tie', NaN, 10, 3), point('tie', 0.5, 10, 3),
        point('nanlast', 1, 10, 3), point('nanlast', NaN, 10, 4),
        point('inf', -Infinity, 1, 0), point('inf', Infinity, 1, 0),
      ],
      params: [],
      tags: [],
    });
    const { metrics } = (await store.getRun(runId)).data;
    assert.deepEqual({ ...metrics, nanlast: String(metrics.nanlast) }, {
      bystep: 1, byts: 1, byvalue: 5, tie: 1, nanlast: 'NaN', inf: Infinity,
    });
    const history = await store.getMetricHistory(runId, 'tie');
    assert.deepEqual(history.map((m) => m.value), [1, NaN, 0.5]);
    assert.deepEqual(history[0], { key: 'tie', timestamp: 10, value: 1, step: 3 });
    assert.deepEqual(await store.getMetricHistory(runId, 'never-logged'), []);
  });

  it('writes each key of a batch in one append and does not duplicate a retried batch', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('batch');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    const batch = { metrics: [point('a', 1, 1, 0), point('b', 2, 1, 0), point('a', 3, 2, 1)], params: [], tags: [] };
    await store.logBatch(runId, batch);
    await store.logBatch(runId, batch);
    assert.equal(await read(join(root, id, runId, 'metrics', 'a')), '1 1.0 0\n2 3.0 1\n');
    await store.logBatch(runId, { metrics: [point('a', 4, 3, 2)], params: [], tags: [] });
    assert.equal(await read(join(root, id, runId, 'metrics', 'a')), '1 1.0 0\n2 3.0 1\n3 4.0 2\n');
  });

  it('rejects unknown runs and experiments with NotFoundError, malformed ids with InvalidArgumentError', async () => {
    const { store } = freshStore();
    await assert.rejects(store.getRun('0123456789abcdef0123456789abcdef'), NotFoundError);
    await assert.rejects(store.logBatch('0123456789abcdef0123456789abcdef', { metrics: [], params: [], tags: [] }), NotFoundError);
    await assert.rejects(store.getExperiment('424242'), NotFoundError);
    await assert.rejects(store.getRun('../etc'), InvalidArgumentError);
    await assert.rejects(store.getExperiment('../x'), InvalidArgumentError);
    const id = await store.createExperiment('tags');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await assert.rejects(store.deleteTag(runId, 'absent'), NotFoundError);
    await assert.rejects(store.logBatch(runId, { metrics: [point('../up', 1, 1, 0)], params: [], tags: [] }), InvalidArgumentError);
  });

  it('names the file in CorruptStoreError for a bad meta.yaml and a bad metric line', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('corrupt');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    await store.logBatch(runId, { metrics: [point('m', 1, 1, 0)], params: [], tags: [] });
    const metricFile = join(root, id, runId, 'metrics', 'm');
    await writeFile(metricFile, '1 1.0 0\n2 oops 1\n');
    for (const op of [() => store.getRun(runId), () => store.getMetricHistory(runId, 'm')]) {
      await assert.rejects(op(), (err: Error) => err instanceof CorruptStoreError && err.message.includes(metricFile) && /line 2/.test(err.message));
    }
    await writeFile(metricFile, '1 1.0 0 extra\n');
    await assert.rejects(store.getMetricHistory(runId, 'm'), CorruptStoreError);
    const runMeta = join(root, id, runId, 'meta.yaml');
    await writeFile(runMeta, "run_id: 'unterminated\nstatus: [\n");
    await assert.rejects(store.getRun(runId), (err: Error) => err instanceof CorruptStoreError && err.message.includes(runMeta));
    const expMeta = join(root, id, 'meta.yaml');
    await writeFile(expMeta, 'name: [broken\n');
    await assert.rejects(store.getExperiment(id), (err: Error) => err instanceof CorruptStoreError && err.message.includes(expMeta));
  });

  it('reads a run as MLflow wrote it: integer ids, 2- and 5-field metric lines, missing optional keys', async () => {
    const { store, root } = freshStore();
    await store.getExperiment('0');
    const runId = 'b5666830e7544d3ea75cc3bbfa4e0934';
    const dir = join(root, '0', runId);
    for (const d of ['metrics', 'params', 'artifacts', 'tags']) await mkdir(join(dir, d), { recursive: true });
    await writeFile(
      join(dir, 'meta.yaml'),
      `artifact_uri: file:///nowhere/0/${runId}/artifacts\nend_time: null\nentry_point_name: ''\nexperiment_id: 0\n` +
        `run_id: ${runId}\nrun_name: ''\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1795679676014\n` +
        'tags: []\nuser_id: unknown\n',
    );
    await writeFile(join(dir, 'tags', 'mlflow.runName'), 'gentle-slug-276');
    await writeFile(join(dir, 'metrics', 'm'), '10 0.5\n11 1e-05 3 ds 0a1b\n');
    const run = await store.getRun(runId);
    assert.deepEqual(run.info, {
      runId, runName: 'gentle-slug-276', experimentId: '0', userId: 'unknown', status: 'RUNNING', startTime: 1795679676014,
      endTime: undefined, artifactUri: `file:///nowhere/0/${runId}/artifacts`, lifecycleStage: 'active',
    });
    assert.deepEqual(await store.getMetricHistory(runId, 'm'), [
      { key: 'm', timestamp: 10, value: 0.5, step: 0 },
      { key: 'm', timestamp: 11, value: 1e-5, step: 3 },
    ]);
  });

  it('searches runs and experiments by view type and delegates filter and order', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('search');
    const a = await store.createRun({ experimentId: id, startTime: 1, runName: 'a', tags: [] });
    const b = await store.createRun({ experimentId: id, startTime: 2, runName: 'b', tags: [] });
    const c = await store.createRun({ experimentId: id, startTime: 3, runName: 'c', tags: [] });
    await store.logBatch(a.runId, { metrics: [point('acc', 0.9, 1, 0)], params: [{ key: 'lr', value: '0.1' }], tags: [] });
    await store.logBatch(b.runId, { metrics: [point('acc', 0.5, 1, 0)], params: [{ key: 'lr', value: '0.2' }], tags: [] });
    await store.deleteRun(c.runId);
    const names = async (req: Parameters<FileStore['searchRuns']>[0]) => (await store.searchRuns(req)).items.map((r) => r.info.runName);
    assert.deepEqual(await names({ experimentIds: [id] }), ['b', 'a']);
    assert.deepEqual(await names({ experimentIds: [id], viewType: 'DELETED_ONLY' }), ['c']);
    assert.deepEqual(await names({ experimentIds: [id], viewType: 'ALL' }), ['c', 'b', 'a']);
    assert.deepEqual(await names({ experimentIds: [id], filter: "params.lr = '0.1'" }), ['a']);
    assert.deepEqual(await names({ experimentIds: [id], orderBy: ['metrics.acc ASC'] }), ['b', 'a']);
    assert.deepEqual(await names({ experimentIds: [id, '424242'], maxResults: 1 }), ['b']);
    const gone = await store.createExperiment('gone');
    await store.deleteExperiment(gone);
    const exps = async (viewType?: 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL') =>
      (await store.searchExperiments({ viewType })).items.map((e) => e.name).sort();
    assert.deepEqual(await exps(), ['Default', 'search']);
    assert.deepEqual(await exps('DELETED_ONLY'), ['gone']);
    assert.deepEqual(await exps('ALL'), ['Default', 'gone', 'search']);
  });

  it('sets experiment tags as tags/<key> files', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('exp-tags');
    await store.setExperimentTag(id, 'note/x', 'v1');
    await store.setExperimentTag(id, 'note/x', 'v2');
    assert.equal(await read(join(root, id, 'tags', 'note', 'x')), 'v2');
    assert.deepEqual((await store.getExperiment(id)).tags, { 'note/x': 'v2' });
  });
});

describe('FileStore: artifacts under a file: artifact root', () => {
  it('copies, writes, lists and downloads files, nested directories and binary bytes', async () => {
    const { store, root } = freshStore();
    const id = await store.createExperiment('arts');
    const { runId, artifactUri } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    assert.equal(artifactUri, `${pathToFileUri(root)}/${id}/${runId}/artifacts`);
    const src = join(tmp, 'model.txt');
    await writeFile(src, 'weights');
    const binary = new Uint8Array(256).map((_, i) => i);
    await store.logArtifact(runId, src, 'models/v1');
    await store.logArtifact(runId, src, '');
    await store.putArtifact(runId, 'data/bin/all.bytes', binary);
    const artifactDir = join(root, id, runId, 'artifacts');
    assert.equal(await read(join(artifactDir, 'models', 'v1', 'model.txt')), 'weights');
    assert.deepEqual(await store.listArtifacts(runId, ''), [
      { path: 'data', isDir: true },
      { path: 'model.txt', isDir: false, fileSize: 7 },
      { path: 'models', isDir: true },
    ]);
    assert.deepEqual(await store.listArtifacts(runId, 'data/bin'), [{ path: 'data/bin/all.bytes', isDir: false, fileSize: 256 }]);
    assert.deepEqual(await store.listArtifacts(runId, 'model.txt'), []);
    assert.deepEqual(await store.listArtifacts(runId, 'absent'), []);

    const dst = join(tmp, 'download');
    const tree = await store.downloadArtifacts(runId, 'data', dst);
    assert.equal(tree, join(dst, 'data'));
    assert.deepEqual(new Uint8Array(await readFile(join(dst, 'data', 'bin', 'all.bytes'))), binary);
    const file = await store.downloadArtifacts(runId, 'models/v1/model.txt', dst);
    assert.equal(await read(file), 'weights');
    await assert.rejects(store.downloadArtifacts(runId, 'nope.txt', dst), NotFoundError);
    assert.deepEqual((await readdir(join(artifactDir, 'data', 'bin'))).filter((n) => n.startsWith('.')), []);
  });

  it('rejects artifact paths that leave the artifact root', async () => {
    const { store } = freshStore();
    const id = await store.createExperiment('traversal');
    const { runId } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    const bytes = new Uint8Array([1]);
    await assert.rejects(store.putArtifact(runId, '../escape.txt', bytes), InvalidArgumentError);
    await assert.rejects(store.putArtifact(runId, 'a/../../escape.txt', bytes), InvalidArgumentError);
    await assert.rejects(store.putArtifact(runId, '/etc/passwd', bytes), InvalidArgumentError);
    await assert.rejects(store.listArtifacts(runId, '..'), InvalidArgumentError);
    await assert.rejects(store.downloadArtifacts(runId, '../..', tmp), InvalidArgumentError);
    await assert.rejects(store.logArtifact(runId, join(tmp, 'model.txt'), '../up'), InvalidArgumentError);
  });

  it('uses a plain-path artifact location given at experiment creation', async () => {
    const { store } = freshStore();
    const location = join(tmp, 'custom artifacts');
    const id = await store.createExperiment('custom', location);
    assert.equal((await store.getExperiment(id)).artifactLocation, location);
    const { runId, artifactUri } = await store.createRun({ experimentId: id, startTime: 1, tags: [] });
    assert.equal(artifactUri, `${location}/${runId}/artifacts`);
    await store.putArtifact(runId, 'x.txt', new TextEncoder().encode('x'));
    assert.equal(await read(join(location, runId, 'artifacts', 'x.txt')), 'x');
  });
});
