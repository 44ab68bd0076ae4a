import { resolve } from 'node:path';
import { pyJsonDumps, defaultRunTags } from '@runlog/core/internal';

/** Where a dataset came from: MLflow's source type and its JSON. */
export interface DatasetSourceInfo {
  sourceType: string;
  source: string;
}

/**
 * MLflow's source for data built in the program (`CodeDatasetSource`): the run context tags
 * (user, source name and type, git commit), as `{"tags": {...}}`.
 */
export function codeSource(): DatasetSourceInfo {
  const tags: Record<string, string> = {};
  for (const t of defaultRunTags()) tags[t.key] = t.value;
  return { sourceType: 'code', source: pyJsonDumps({ tags }) };
}

/**
 * The source for a location, as MLflow resolves one: a path or `file:` URI is 'local' with
 * `{"uri": ...}`, `http(s)` is 'http' with `{"url": ...}`, another scheme (s3, gs, ...) is that
 * scheme with `{"uri": ...}`. A plain path is made absolute.
 */
export function locationSource(location: string): DatasetSourceInfo {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined) return { sourceType: 'local', source: pyJsonDumps({ uri: resolve(location) }) };
  if (scheme === 'file') return { sourceType: 'local', source: pyJsonDumps({ uri: location }) };
  if (scheme === 'http' || scheme === 'https') return { sourceType: 'http', source: pyJsonDumps({ url: location }) };
  return { sourceType: scheme, source: pyJsonDumps({ uri: location }) };
}

/** A source given by the caller (a location, or a ready { sourceType, source }), else the code source. */
export function resolveSource(source: string | DatasetSourceInfo | undefined): DatasetSourceInfo {
  if (source === undefined) return codeSource();
  if (typeof source === 'string') return locationSource(source);
  return { sourceType: source.sourceType, source: source.source };
}
