import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelFormatError } from '@runlog/core';
import { pyYamlDump, pyYamlLoad, type PyYamlValue } from '@runlog/core/internal';
import { signatureFromDict, signatureToDict } from './signature.js';
import type { MLmodel, SavedInputExampleInfo } from './types.js';

/**
 * The MLmodel file: read with YAML 1.1 rules, written as MLflow 3.18's `Model.save` writes it
 * (`yaml.safe_dump(to_dict(), default_flow_style=False)`: keys sorted, signature parts as JSON
 * strings, `model_id: null` and `prompts: null` when unset, `is_signature_from_type_hint` and
 * `type_hint_from_example` beside a signature). Keys runlog does not model are kept in `extra`.
 */

export const MLMODEL_FILE = 'MLmodel';
/** The MLflow version whose model format runlog writes. */
export const MLFLOW_FORMAT_VERSION = '3.18.0';

const KNOWN = new Set([
  'artifact_path', 'flavors', 'mlflow_version', 'model_id', 'model_uuid', 'model_size_bytes', 'run_id',
  'utc_time_created', 'signature', 'saved_input_example_info', 'metadata', 'runlog_version',
]);

/** Python's `str(datetime)` of a naive UTC time: '2026-11-26 08:00:00.123000' (no fraction at .000000). */
export function formatUtcTimeCreated(date: Date = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${p(date.getUTCFullYear(), 4)}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}`;
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${p(ms * 1000, 6)}`;
}

/** A fresh `model_uuid`: 32 lowercase hex digits (Python's `uuid4().hex`). */
export function newModelUuid(): string {
  return randomUUID().replace(/-/g, '');
}

function exampleInfoToDict(info: SavedInputExampleInfo): Record<string, PyYamlValue> {
  const d: Record<string, PyYamlValue> = { artifact_path: info.artifactPath, type: info.type };
  if (info.pandasOrient !== undefined) d.pandas_orient = info.pandasOrient;
  if (info.servingInputPath !== undefined) d.serving_input_path = info.servingInputPath;
  if (info.params !== undefined) d.params = info.params;
  return d;
}

function exampleInfoFromDict(d: Record<string, unknown>): SavedInputExampleInfo {
  const info: SavedInputExampleInfo = { artifactPath: String(d.artifact_path), type: d.type as SavedInputExampleInfo['type'] };
  if (typeof d.serving_input_path === 'string') info.servingInputPath = d.serving_input_path;
  if (d.pandas_orient === 'split' || d.pandas_orient === 'values') info.pandasOrient = d.pandas_orient;
  if (d.params !== undefined && d.params !== null) info.params = 'true';
  return info;
}

/** The dict MLflow's `Model.to_dict()` would produce for this model (what goes into the YAML). */
export function toYamlDict(m: MLmodel): Record<string, PyYamlValue> {
  const extra = (m.extra ?? {}) as Record<string, PyYamlValue>;
  const d: Record<string, PyYamlValue> = {};
  for (const [k, v] of Object.entries(extra)) if (!KNOWN.has(k) && v !== undefined) d[k] = v;
  if (m.artifactPath !== undefined && m.artifactPath !== null) d.artifact_path = m.artifactPath;
  d.flavors = m.flavors as PyYamlValue;
  if (m.mlflowVersion !== undefined && m.mlflowVersion !== null) d.mlflow_version = m.mlflowVersion;
  d.model_id = m.modelId ?? null;
  d.model_uuid = m.modelUuid === '' ? null : m.modelUuid;
  if (m.modelSizeBytes !== undefined) d.model_size_bytes = m.modelSizeBytes;
  if (m.runId !== undefined && m.runId !== null) d.run_id = m.runId;
  d.utc_time_created = m.utcTimeCreated;
  if (m.signature) {
    d.signature = signatureToDict(m.signature);
    d.is_signature_from_type_hint ??= false;
    d.type_hint_from_example ??= false;
  }
  if (m.savedInputExampleInfo) d.saved_input_example_info = exampleInfoToDict(m.savedInputExampleInfo);
  if (m.metadata !== undefined && m.metadata !== null) d.metadata = m.metadata as PyYamlValue;
  if (m.runlogVersion !== undefined) d.runlog_version = m.runlogVersion;
  if (!('prompts' in d)) d.prompts = null;
  return d;
}

/** Keys toYamlDict writes anyway with these values (so `extra` holds only what differs). */
function isDefault(key: string, v: unknown): boolean {
  if (key === 'prompts') return v === null;
  return (key === 'is_signature_from_type_hint' || key === 'type_hint_from_example') && v === false;
}

/** An MLmodel from the parsed YAML dict; throws ModelFormatError (naming `file`) when malformed. */
export function fromYamlDict(d: unknown, file = MLMODEL_FILE): MLmodel {
  if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new ModelFormatError(`${file} is not a YAML mapping.`);
  const y = d as Record<string, unknown>;
  const flavors = y.flavors ?? {};
  if (typeof flavors !== 'object' || flavors === null || Array.isArray(flavors)) throw new ModelFormatError(`${file}: "flavors" is not a mapping.`);
  const m: MLmodel = {
    flavors: flavors as MLmodel['flavors'],
    modelUuid: typeof y.model_uuid === 'string' ? y.model_uuid : y.model_uuid === null || y.model_uuid === undefined ? '' : String(y.model_uuid),
    utcTimeCreated: y.utc_time_created === undefined || y.utc_time_created === null ? '' : String(y.utc_time_created),
  };
  if (typeof y.artifact_path === 'string') m.artifactPath = y.artifact_path;
  if (y.mlflow_version !== undefined && y.mlflow_version !== null) m.mlflowVersion = String(y.mlflow_version);
  if (typeof y.model_id === 'string') m.modelId = y.model_id;
  else if (y.model_id === null) m.modelId = null;
  if (typeof y.model_size_bytes === 'number') m.modelSizeBytes = y.model_size_bytes;
  if (typeof y.run_id === 'string') m.runId = y.run_id;
  if (y.runlog_version !== undefined && y.runlog_version !== null) m.runlogVersion = String(y.runlog_version);
  if (y.metadata !== undefined && y.metadata !== null) {
    if (typeof y.metadata !== 'object' || Array.isArray(y.metadata)) throw new ModelFormatError(`${file}: "metadata" is not a mapping.`);
    m.metadata = y.metadata as Record<string, unknown>;
  }
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(y)) if (!KNOWN.has(k) && !isDefault(k, v)) extra[k] = v;
  if (y.signature !== undefined && y.signature !== null) {
    if (typeof y.signature !== 'object' || Array.isArray(y.signature)) throw new ModelFormatError(`${file}: "signature" is not a mapping.`);
    const s = y.signature as Record<string, unknown>;
    if (s.inputs === null || s.inputs === undefined) {
      extra.signature = s; // an outputs-only signature: kept verbatim, not enforced
    } else {
      try {
        m.signature = signatureFromDict(s);
      } catch (err) {
        throw new ModelFormatError(`${file}: invalid signature: ${(err as Error).message}`, { cause: err });
      }
    }
  }
  const info = y.saved_input_example_info;
  if (info !== undefined && info !== null) {
    if (typeof info !== 'object' || Array.isArray(info)) throw new ModelFormatError(`${file}: "saved_input_example_info" is not a mapping.`);
    m.savedInputExampleInfo = exampleInfoFromDict(info as Record<string, unknown>);
  }
  if (Object.keys(extra).length > 0) m.extra = extra;
  return m;
}

/** The MLmodel file's text, byte for byte as MLflow writes it. */
export function mlmodelToYaml(m: MLmodel): string {
  return pyYamlDump(toYamlDict(m));
}

/** Parses MLmodel text; `file` names the file in errors. */
export function mlmodelFromYaml(text: string, file = MLMODEL_FILE): MLmodel {
  let parsed: unknown;
  try {
    parsed = pyYamlLoad(text);
  } catch (err) {
    throw new ModelFormatError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  return fromYamlDict(parsed, file);
}

/** Reads `<dir>/MLmodel`; a missing or corrupt file is a ModelFormatError naming it. */
export async function readMLmodel(dir: string): Promise<MLmodel> {
  const file = join(dir, MLMODEL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? (err as Error).message})`;
    throw new ModelFormatError(`${file} ${why}: not an MLflow Model directory.`, { cause: err });
  }
  return mlmodelFromYaml(text, file);
}

/** Writes `<dir>/MLmodel`. */
export async function writeMLmodel(dir: string, m: MLmodel): Promise<void> {
  await writeFile(join(dir, MLMODEL_FILE), mlmodelToYaml(m), 'utf8');
}
