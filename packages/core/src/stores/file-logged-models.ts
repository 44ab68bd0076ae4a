import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type {
  CreateLoggedModelOptions,
  LoggedModel,
  LoggedModelMetric,
  LoggedModelOutput,
  LoggedModelStatus,
  Metric,
  PagedList,
} from '../entities.js';
import { CorruptStoreError, InvalidArgumentError, NotFoundError } from '../errors.js';
import { META_YAML, pyYamlDump, pyYamlLoad, type PyYamlMapping } from '../py/index.js';
import { applyLoggedModelSearch } from '../search/logged-model-search.js';
import type { SearchLoggedModelsRequest } from '../store.js';
import { validateKey } from '../validation.js';
import { asStoreWriteError } from './disk-errors.js';
import { formatMetricLine, parseMetricLine } from './file-store-format.js';
import { appendToUriPath, isNotFound, META, writeFileAtomic, type FileStoreLayout } from './file-store-layout.js';
import { mapLimit, readKeyValueDir } from './file-store-runs.js';
import { keyFile, writeParams, writeRaw } from './file-store-writes.js';
import { appendLines } from './metric-file-append.js';
import { generateRunName } from './names.js';
import { listFilesRecursive } from '../fs-walk.js';

/**
 * MLflow 3 LoggedModels in the local store, laid out as MLflow 3.18's FileStore lays them out:
 * `<experiment>/models/<model_id>/` holds `meta.yaml` (the model's info, keys sorted, status as an
 * integer), `params/`, `tags/`, `metrics/<key>` (lines `<ts> <value> <step> <run_id>[ <dataset
 * name> <dataset digest>]`) and `artifacts/` (the model's files); a run's
 * `outputs/<model_id>/meta.yaml` links it to the models it produced.
 */

const MODELS = 'models';
const OUTPUTS = 'outputs';
const STATUS_CODES: Readonly<Record<LoggedModelStatus, number>> = {
  LOGGED_MODEL_STATUS_UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
};
const STATUS_BY_CODE = new Map(Object.entries(STATUS_CODES).map(([k, v]) => [v, k as LoggedModelStatus]));
/** A model id is one path component: MLflow makes `m-<32 hex>`; anything else that is safe is read. */
const MODEL_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;

export function validateModelId(modelId: string): void {
  if (typeof modelId !== 'string' || !MODEL_ID.test(modelId)) {
    throw new InvalidArgumentError(`Invalid value ${JSON.stringify(modelId)} for parameter 'model_id' supplied.`);
  }
}

/** What meta.yaml of a model holds (tags, params and metrics live in their folders). */
interface StoredModel {
  info: Omit<LoggedModel, 'tags' | 'params' | 'metrics'>;
  lifecycleStage: 'active' | 'deleted' | undefined;
}

function modelMetaYaml(m: StoredModel): string {
  const i = m.info;
  const dict: PyYamlMapping = {
    artifact_location: i.artifactUri,
    creation_timestamp: i.creationTimestampMs ?? null,
    experiment_id: i.experimentId,
    last_updated_timestamp: i.lastUpdatedTimestampMs ?? null,
    model_id: i.modelId,
    model_type: i.modelType ?? null,
    name: i.name,
    source_run_id: i.sourceRunId ?? null,
    status: STATUS_CODES[i.status],
    status_message: i.statusMessage ?? null,
  };
  if (m.lifecycleStage !== undefined) dict.lifecycle_stage = m.lifecycleStage;
  return pyYamlDump(dict, META_YAML);
}

function parseModelMeta(text: string, file: string): StoredModel {
  let d: unknown;
  try {
    d = pyYamlLoad(text);
  } catch (err) {
    throw new CorruptStoreError(`Cannot parse ${file}: ${(err as Error).message}`, { cause: err });
  }
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new CorruptStoreError(`Cannot read ${file}: not a YAML mapping.`);
  const map = d as Record<string, unknown>;
  const s = (k: string): string | undefined => (map[k] === null || map[k] === undefined ? undefined : String(map[k]));
  const n = (k: string): number | undefined => (typeof map[k] === 'number' || typeof map[k] === 'bigint' ? Number(map[k]) : undefined);
  const modelId = s('model_id');
  const experimentId = s('experiment_id');
  if (modelId === undefined || experimentId === undefined) throw new CorruptStoreError(`Cannot read ${file}: 'model_id' or 'experiment_id' is missing.`);
  const stage = s('lifecycle_stage');
  return {
    info: {
      modelId,
      experimentId,
      name: s('name') ?? '',
      artifactUri: s('artifact_location') ?? '',
      status: STATUS_BY_CODE.get(n('status') ?? 0) ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
      statusMessage: s('status_message'),
      sourceRunId: s('source_run_id'),
      modelType: s('model_type'),
      creationTimestampMs: n('creation_timestamp'),
      lastUpdatedTimestampMs: n('last_updated_timestamp'),
    },
    lifecycleStage: stage === 'active' || stage === 'deleted' ? stage : undefined,
  };
}

/** A model metric line: `<ts> <value> <step> <run_id>[ <dataset name> <dataset digest>]`. */
function modelMetricLine(m: Metric, runId: string): string {
  const head = formatMetricLine({ timestamp: m.timestamp, value: m.value, step: m.step }).slice(0, -1);
  return m.datasetName !== undefined && m.datasetDigest !== undefined
    ? `${head} ${runId} ${m.datasetName} ${m.datasetDigest}\n`
    : `${head} ${runId}\n`;
}

/** The LoggedModels of one FileStore root. */
export class FileLoggedModels {
  /** Files whose failed append could not be cut back yet (see appendLines). */
  private readonly cuts = new Map<string, number>();

  constructor(
    private readonly layout: FileStoreLayout,
    private readonly now: () => number,
  ) {}

  /** Creates a PENDING model under an active experiment, with its params and tags, as MLflow's create_logged_model. */
  async create(experimentId: string, artifactLocation: string, opts: CreateLoggedModelOptions): Promise<LoggedModel> {
    const expDir = await this.layout.experimentDir(experimentId, 'ACTIVE_ONLY');
    if (!expDir) throw new NotFoundError(`Could not create model under experiment with ID ${experimentId} - no such active experiment exists.`);
    for (const key of Object.keys(opts.params ?? {})) validateKey('param', key);
    for (const key of Object.keys(opts.tags ?? {})) validateKey('tag', key);
    const modelId = `m-${randomUUID().replace(/-/g, '')}`;
    const dir = join(expDir, MODELS, modelId);
    const created = this.now();
    await mkdir(join(dir, 'metrics'), { recursive: true });
    await mkdir(join(dir, 'params'), { recursive: true });
    const stored: StoredModel = {
      info: {
        modelId,
        experimentId,
        name: opts.name || generateRunName(),
        artifactUri: appendToUriPath(artifactLocation, MODELS, modelId, 'artifacts'),
        status: 'LOGGED_MODEL_PENDING',
        sourceRunId: opts.sourceRunId,
        modelType: opts.modelType,
        creationTimestampMs: created,
        lastUpdatedTimestampMs: created,
      },
      lifecycleStage: 'active',
    };
    await writeFileAtomic(join(dir, META), modelMetaYaml(stored));
    await writeParams(dir, modelId, Object.entries(opts.params ?? {}).map(([key, value]) => ({ key, value })));
    for (const [key, value] of Object.entries(opts.tags ?? {})) await writeRaw(keyFile(dir, 'tags', key), value, dir);
    return this.get(modelId);
  }

  /** The model and its tags, params and latest metrics; NotFoundError when missing or deleted. */
  async get(modelId: string): Promise<LoggedModel> {
    const { dir, stored } = await this.find(modelId);
    return this.load(dir, stored);
  }

  async finalize(modelId: string, status: LoggedModelStatus): Promise<LoggedModel> {
    if (!(status in STATUS_CODES)) throw new InvalidArgumentError(`Invalid logged model status ${JSON.stringify(status)}.`);
    const { dir, stored } = await this.find(modelId);
    // As MLflow: the rewritten meta.yaml carries no lifecycle_stage (absent reads as active).
    const next: StoredModel = { info: { ...stored.info, status, lastUpdatedTimestampMs: this.now() }, lifecycleStage: undefined };
    await writeFileAtomic(join(dir, META), modelMetaYaml(next));
    return this.load(dir, next);
  }

  async setTags(modelId: string, tags: Record<string, string>): Promise<void> {
    for (const key of Object.keys(tags)) validateKey('tag', key);
    const { dir } = await this.find(modelId);
    for (const [key, value] of Object.entries(tags)) await writeRaw(keyFile(dir, 'tags', key), String(value), dir);
  }

  async deleteTag(modelId: string, key: string): Promise<void> {
    validateKey('tag', key);
    const { dir } = await this.find(modelId);
    const file = keyFile(dir, 'tags', key);
    await unlink(file).catch((err) => {
      if (isNotFound(err)) throw new NotFoundError(`No tag with key '${key}' found for model with ID '${modelId}'.`, { cause: err });
      throw asStoreWriteError(err, file);
    });
  }

  async search(req: SearchLoggedModelsRequest): Promise<PagedList<LoggedModel>> {
    const models: LoggedModel[] = [];
    for (const experimentId of new Set(req.experimentIds)) {
      const expDir = await this.layout.experimentDir(experimentId);
      if (!expDir) continue;
      const ids = await subdirs(join(expDir, MODELS));
      const found = await mapLimit(ids, 16, async (id) => {
        const dir = join(expDir, MODELS, id);
        const text = await readFile(join(dir, META), 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
        if (text === null) return null;
        const stored = parseModelMeta(text, join(dir, META));
        if (stored.lifecycleStage === 'deleted' || stored.info.experimentId !== experimentId) return null;
        return this.load(dir, stored);
      });
      for (const m of found) if (m) models.push(m);
    }
    return applyLoggedModelSearch(models, req);
  }

  /**
   * Appends the points that carry a modelId to their models' metric files (the run's own metric
   * files are written by the caller). A model that is not in the run's experiment is refused.
   */
  async appendMetrics(experimentId: string, runId: string, metrics: readonly Metric[]): Promise<void> {
    const chunks = new Map<string, { dir: string; text: string }>();
    const expDir = await this.layout.experimentDir(experimentId);
    const known = new Set<string>();
    for (const m of metrics) {
      if (m.modelId === undefined) continue;
      validateModelId(m.modelId);
      const dir = join(expDir ?? '', MODELS, m.modelId);
      if (!known.has(m.modelId)) {
        const there = expDir !== null && (await readFile(join(dir, META)).then(() => true, () => false));
        if (!there) throw new NotFoundError(`Model '${m.modelId}' not found in experiment ${experimentId}`);
        known.add(m.modelId);
      }
      const file = keyFile(dir, 'metrics', m.key);
      const entry = chunks.get(file) ?? { dir, text: '' };
      entry.text += modelMetricLine(m, runId);
      chunks.set(file, entry);
    }
    for (const [file, { dir, text }] of chunks) {
      await mkdir(dirname(file), { recursive: true });
      await appendLines(file, text, dir, this.cuts);
    }
  }

  /** Links models to a run (`outputs/<model_id>/meta.yaml`); a link already there is kept. */
  async logOutputs(runDir: string, models: readonly LoggedModelOutput[]): Promise<void> {
    for (const { modelId, step } of models) {
      validateModelId(modelId);
      const dir = join(runDir, OUTPUTS, modelId);
      const file = join(dir, META);
      if ((await readFile(file).catch(() => null)) !== null) continue;
      await mkdir(dir, { recursive: true });
      // MLflow writes the model id as both source and destination, and reads the destination.
      const yaml = pyYamlDump(
        { destination_id: modelId, destination_type: 'MODEL_OUTPUT', source_id: modelId, source_type: 'RUN_OUTPUT', step, tags: {} },
        META_YAML,
      );
      await writeFileAtomic(file, yaml);
    }
  }

  /** The models a run produced, from its `outputs/` folder. */
  async readOutputs(runDir: string): Promise<LoggedModelOutput[]> {
    const out: LoggedModelOutput[] = [];
    for (const name of await subdirs(join(runDir, OUTPUTS))) {
      const file = join(runDir, OUTPUTS, name, META);
      const text = await readFile(file, 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
      if (text === null) continue;
      const d = pyYamlLoad(text) as Record<string, unknown> | null;
      if (!d || d.destination_type !== 'MODEL_OUTPUT') continue;
      out.push({ modelId: String(d.destination_id), step: Number(d.step ?? 0) });
    }
    return out;
  }

  private async find(modelId: string): Promise<{ dir: string; stored: StoredModel }> {
    validateModelId(modelId);
    for (const { id, dir: expDir } of await this.layout.experimentIds('ALL')) {
      const dir = join(expDir, MODELS, modelId);
      const text = await readFile(join(dir, META), 'utf8').catch((err) => (isNotFound(err) ? null : Promise.reject(err)));
      if (text === null) continue;
      const stored = parseModelMeta(text, join(dir, META));
      if (stored.lifecycleStage === 'deleted') break;
      if (stored.info.experimentId !== id) throw new CorruptStoreError(`Model '${modelId}' metadata is in invalid state.`);
      return { dir, stored };
    }
    throw new NotFoundError(`Model '${modelId}' not found`);
  }

  private async load(dir: string, stored: StoredModel): Promise<LoggedModel> {
    const [tags, params, metrics] = await Promise.all([
      readKeyValueDir(join(dir, 'tags')).catch((err) => (isNotFound(err) ? {} : Promise.reject(err))),
      readKeyValueDir(join(dir, 'params')).catch((err) => (isNotFound(err) ? {} : Promise.reject(err))),
      readModelMetrics(stored.info.modelId, join(dir, 'metrics')),
    ]);
    return { ...stored.info, tags, params, metrics };
  }
}

async function subdirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** The latest point (greatest step, timestamp, value) of each (metric, dataset), as MLflow reads them. */
async function readModelMetrics(modelId: string, metricsDir: string): Promise<LoggedModelMetric[]> {
  const keys = await listFilesRecursive(metricsDir).catch((err) => (isNotFound(err) ? [] : Promise.reject(err)));
  const out: LoggedModelMetric[] = [];
  for (const key of keys.sort()) {
    const file = join(metricsDir, ...key.split('/'));
    const best = new Map<string, LoggedModelMetric>();
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      const parts = line.trim().split(' ');
      if (parts.length !== 4 && parts.length !== 6) throw new CorruptStoreError(`Metric '${key}' of model ${modelId} is malformed in ${file}.`);
      const parsed = parseMetricLine(parts.slice(0, 3).join(' '));
      if (typeof parsed === 'string') throw new CorruptStoreError(`Metric '${key}' of model ${modelId} is malformed in ${file}: ${parsed}.`);
      const point: LoggedModelMetric = { key, ...parsed, modelId, runId: parts[3], datasetName: parts[4], datasetDigest: parts[5] };
      const group = `${point.datasetName ?? ''}\u0000${point.datasetDigest ?? ''}`;
      const prev = best.get(group);
      if (
        prev === undefined ||
        point.step > prev.step ||
        (point.step === prev.step && (point.timestamp > prev.timestamp || (point.timestamp === prev.timestamp && point.value > prev.value)))
      ) {
        best.set(group, point);
      }
    }
    out.push(...best.values());
  }
  return out;
}
