// Reads what the run page shows of a logged model from its MLmodel file: flavors, signature
// (whose inputs/outputs/params are JSON strings inside the YAML) and input example location.
import { listArtifacts } from '../../api/tracking.js';
import type { Run } from '../../api/types.js';
import { tag } from './run-tags.js';

export interface SpecEntry {
  name?: string;
  type: string;
  /** Tensor shape, or whether a column is required. */
  detail: string;
}

export interface ModelSummary {
  /** The model's folder under the run's artifacts. */
  path: string;
  flavors: string[];
  inputs?: SpecEntry[];
  outputs?: SpecEntry[];
  params?: SpecEntry[];
  /** The input example's path relative to the model's folder, when one was saved. */
  inputExamplePath?: string;
  modelId?: string;
  created?: string;
  raw: string;
}

function describeType(spec: Record<string, unknown>): string {
  if (spec.type === 'tensor') {
    const t = (spec['tensor-spec'] ?? {}) as { dtype?: string };
    return `tensor<${t.dtype ?? '?'}>`;
  }
  if (spec.type === 'array') return `array<${describeType((spec.items ?? {}) as Record<string, unknown>)}>`;
  if (spec.type === 'map') return `map<${describeType((spec.values ?? {}) as Record<string, unknown>)}>`;
  if (spec.type === 'object') return 'object';
  return String(spec.type ?? spec.dtype ?? '?');
}

/** Parses one signature part (a JSON string in MLmodel) into rows; undefined when absent. */
export function parseSpec(json: unknown): SpecEntry[] | undefined {
  if (typeof json !== 'string' || json === '' || json === 'null') return undefined;
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (!Array.isArray(list)) return undefined;
  return list.map((item: Record<string, unknown>) => {
    const tensor = item['tensor-spec'] as { shape?: unknown[] } | undefined;
    const detail = tensor
      ? `shape [${(tensor.shape ?? []).join(', ')}]`
      : item.shape !== undefined && item.shape !== null
        ? `shape [${(item.shape as unknown[]).join(', ')}]`
        : item.default !== undefined
          ? `default ${JSON.stringify(item.default)}`
          : item.required === false
            ? 'optional'
            : 'required';
    return { name: typeof item.name === 'string' ? item.name : undefined, type: describeType(item), detail };
  });
}

export async function summarizeMLmodel(path: string, text: string): Promise<ModelSummary> {
  // the YAML reader is loaded on first use: most page views never need it
  const { parse } = await import('yaml');
  const doc = (parse(text) ?? {}) as Record<string, unknown>;
  const signature = (doc.signature ?? {}) as Record<string, unknown>;
  const example = doc.saved_input_example_info as { artifact_path?: string } | undefined;
  return {
    path,
    flavors: Object.keys((doc.flavors ?? {}) as object),
    inputs: parseSpec(signature.inputs),
    outputs: parseSpec(signature.outputs),
    params: parseSpec(signature.params),
    inputExamplePath: example?.artifact_path || undefined,
    modelId: typeof doc.model_id === 'string' ? doc.model_id : undefined,
    created: typeof doc.utc_time_created === 'string' ? doc.utc_time_created : undefined,
    raw: text,
  };
}

/** The run's model folders: those its `mlflow.log-model.history` tag names, and any top-level
 *  artifact folder holding an MLmodel file. */
export async function findModelFolders(run: Run): Promise<string[]> {
  const folders = new Set<string>();
  try {
    const history: unknown = JSON.parse(tag(run, 'mlflow.log-model.history') ?? '[]');
    if (Array.isArray(history)) {
      for (const entry of history as { artifact_path?: unknown }[]) {
        if (typeof entry.artifact_path === 'string' && !entry.artifact_path.includes(':')) folders.add(entry.artifact_path);
      }
    }
  } catch {
    // an unreadable history tag: fall back to looking at the folders
  }
  const root = await listArtifacts(run.info.run_id, '');
  if (root.some((f) => !f.is_dir && f.path === 'MLmodel')) folders.add('');
  const dirs = root.filter((f) => f.is_dir && !folders.has(f.path)).slice(0, 50);
  const listings = await Promise.all(dirs.map((d) => listArtifacts(run.info.run_id, d.path).catch(() => [])));
  dirs.forEach((d, i) => {
    if (listings[i]!.some((f) => !f.is_dir && f.path.endsWith('/MLmodel'))) folders.add(d.path);
  });
  return [...folders].sort();
}

/** Reads a file of one model by its path relative to the model's folder. */
export type ModelFileReader = (relPath: string) => Promise<string>;

export async function loadModelSummary(folder: string, read: ModelFileReader): Promise<ModelSummary> {
  return summarizeMLmodel(folder, await read('MLmodel'));
}
