import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Dataset, DatasetInput, RunInputs } from '../datasets/dataset-input.js';
import { CorruptStoreError } from '../errors.js';
import { META_YAML, PyFloat, pyYamlDump, pyYamlLoad, type PyYamlMapping, type PyYamlValue } from '../py/index.js';
import { asStoreWriteError } from './disk-errors.js';
import { isNotFound, META, writeFileAtomic } from './file-store-layout.js';
import { warnOnce } from './store-warnings.js';

/**
 * Dataset inputs in MLflow's FileStore layout (`FileStore.log_inputs` / `_get_all_inputs`):
 * - the dataset, once per experiment: `<experiment>/datasets/<md5(name + digest)>/meta.yaml` with
 *   the entity's fields (digest, name, profile, schema, source, source_type);
 * - the link, once per run and dataset: `<run>/inputs/<md5(dataset id + run id)>/meta.yaml` with
 *   source_type DATASET, source_id, destination_type RUN, the input tags, and destination_id,
 *   which MLflow's writer fills with the dataset id too (its readers ignore it); written the same.
 * Logging the same dataset twice in a run keeps the first input's tags, as MLflow does.
 */

export const DATASETS_FOLDER = 'datasets';
export const INPUTS_FOLDER = 'inputs';

const md5 = (...parts: string[]): string => {
  const h = createHash('md5');
  for (const p of parts) h.update(p, 'utf8');
  return h.digest('hex');
};

/** MLflow's dataset id in a FileStore. */
export function fileStoreDatasetId(name: string, digest: string): string {
  return md5(name, digest);
}

/** MLflow's input id of a dataset in a run. */
export function fileStoreInputId(datasetId: string, runId: string): string {
  return md5(datasetId, runId);
}

/** Writes the inputs of a run whose folder is `runDir` (inside its experiment's folder). */
export async function writeRunInputs(runDir: string, runId: string, inputs: readonly DatasetInput[]): Promise<void> {
  const experimentDir = dirname(runDir);
  for (const input of inputs) {
    const d = input.dataset;
    const datasetId = fileStoreDatasetId(d.name, d.digest);
    await writeOnce(join(experimentDir, DATASETS_FOLDER, datasetId), datasetMetaYaml(d));
    const tags: PyYamlMapping = {};
    for (const t of input.tags) tags[t.key] = t.value;
    await writeOnce(
      join(runDir, INPUTS_FOLDER, fileStoreInputId(datasetId, runId)),
      pyYamlDump({ destination_id: datasetId, destination_type: 'RUN', source_id: datasetId, source_type: 'DATASET', tags }, META_YAML),
    );
  }
}

export function datasetMetaYaml(d: Dataset): string {
  return pyYamlDump(
    { digest: d.digest, name: d.name, profile: d.profile ?? null, schema: d.schema ?? null, source: d.source, source_type: d.sourceType },
    META_YAML,
  );
}

/**
 * Creates `dir/meta.yaml` unless it exists (MLflow checks the folder; a folder left without its
 * file by a crash is completed here instead of staying unreadable).
 */
async function writeOnce(dir: string, text: string): Promise<void> {
  const file = join(dir, META);
  try {
    await readFile(file);
    return;
  } catch (err) {
    if (!isNotFound(err)) throw asStoreWriteError(err, file);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw asStoreWriteError(err, dir);
  }
  await writeFileAtomic(file, text);
}

/**
 * The dataset inputs of a run, as MLflow's FileStore reads them. An input whose dataset is missing
 * or whose meta.yaml is damaged is left out with a `RUNLOG_DATASET_MISSING` process warning.
 */
export async function readRunInputs(runDir: string): Promise<RunInputs> {
  let names: string[];
  try {
    names = (await readdir(join(runDir, INPUTS_FOLDER), { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (err) {
    if (isNotFound(err)) return { datasetInputs: [] };
    throw err;
  }
  const datasetsDir = join(dirname(runDir), DATASETS_FOLDER);
  const datasetInputs: DatasetInput[] = [];
  for (const name of names.sort()) {
    let link: PyYamlMapping | null;
    let meta: PyYamlMapping | null;
    let datasetId: string;
    try {
      link = await readMeta(join(runDir, INPUTS_FOLDER, name));
      if (link === null || link['source_type'] !== 'DATASET') continue;
      datasetId = String(link['source_id']);
      meta = await readMeta(join(datasetsDir, datasetId));
    } catch (err) {
      // One damaged input never hides the run: it is left out, with one warning naming it.
      if (!(err instanceof CorruptStoreError)) throw err;
      warnOnce('RUNLOG_DATASET_MISSING', `${runDir}:${name}`, `runlog: input ${name} of the run in ${runDir} is left out: ${err.message}`);
      continue;
    }
    if (meta === null) {
      warnOnce('RUNLOG_DATASET_MISSING', `${runDir}:${datasetId}`, `runlog: dataset ${datasetId}, an input of the run in ${runDir}, is missing; it is left out.`);
      continue;
    }
    const tagMap = link['tags'];
    const tags = isMapping(tagMap) ? Object.entries(tagMap).map(([key, value]) => ({ key, value: String(value) })) : [];
    datasetInputs.push({ dataset: datasetFromMeta(meta), tags });
  }
  return { datasetInputs };
}

function datasetFromMeta(m: PyYamlMapping): Dataset {
  const str = (v: PyYamlValue | undefined): string => (v === null || v === undefined ? '' : String(v));
  const d: Dataset = { name: str(m['name']), digest: str(m['digest']), sourceType: str(m['source_type']), source: str(m['source']) };
  if (m['schema'] !== null && m['schema'] !== undefined) d.schema = str(m['schema']);
  if (m['profile'] !== null && m['profile'] !== undefined) d.profile = str(m['profile']);
  return d;
}

async function readMeta(dir: string): Promise<PyYamlMapping | null> {
  const file = join(dir, META);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  let data: PyYamlValue;
  try {
    data = pyYamlLoad(text);
  } catch (err) {
    throw new CorruptStoreError(`${file} is not valid YAML: ${(err as Error).message}`);
  }
  if (!isMapping(data)) throw new CorruptStoreError(`${file} does not hold a mapping.`);
  return data;
}

function isMapping(v: PyYamlValue | undefined): v is PyYamlMapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof PyFloat);
}
