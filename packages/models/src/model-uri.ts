import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidModelUriError } from '@runlog/core';

/**
 * Model URIs, parsed as MLflow parses them (mlflow/store/artifact/utils/models.py,
 * runs_artifact_repo.py):
 * - `runs:/<run_id>/<artifact path>` — a model under a run's artifacts;
 * - `models:/<model_id>` — an MLflow 3 LoggedModel (`m-…`); any single segment without `@` is an id;
 * - `models:/<name>/<version>`, `models:/<name>/<stage>`, `models:/<name>/latest`,
 *   `models:/<name>@<alias>` — the model registry (resolved by loadModel through the client's registry);
 * - `mlflow-artifacts:/<path>` (or `mlflow-artifacts://host:port/<path>`) — the server's artifacts;
 * - `file:///abs/path` and plain paths — a local model directory.
 * A `.` or `..` segment (also percent-encoded, or with `\` separators) in any URI is refused with
 * InvalidModelUriError: it would escape the root the URI is resolved against. Plain filesystem
 * paths are the user's own and resolve as the OS resolves them (`../models/m` is fine).
 */
export type ParsedModelUri =
  | { kind: 'local'; uri: string; path: string }
  | { kind: 'runs'; uri: string; runId: string; artifactPath: string }
  | { kind: 'logged-model'; uri: string; modelId: string }
  | { kind: 'registry'; uri: string; name: string; version?: string; stage?: string; alias?: string; latest?: boolean }
  | { kind: 'artifact'; uri: string };

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

function fail(uri: string, why: string): never {
  throw new InvalidModelUriError(`Invalid model URI '${uri}': ${why}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Refuses `.`/`..` segments (raw or percent-encoded), backslash separators and NUL. */
function checkSegments(uri: string, path: string): void {
  if (path.includes('\0') || safeDecode(path).includes('\0')) fail(uri, 'it contains a NUL character.');
  for (const form of [path, safeDecode(path)]) {
    for (const seg of form.split(/[\\/]/)) {
      if (seg === '..' || seg === '.') fail(uri, `'${seg}' path segments are not allowed (path traversal).`);
    }
  }
}

/** Parses a model URI (a path, file:, runs:/, models:/, mlflow-artifacts:) into its parts; InvalidModelUriError for a bad one. */
export function parseModelUri(uri: string): ParsedModelUri {
  if (typeof uri !== 'string' || uri.trim() === '') throw new InvalidModelUriError('A model URI is required.');
  const m = SCHEME.exec(uri);
  // A one-letter "scheme" is a Windows drive (C:\models\m).
  if (!m || m[1]!.length === 1) {
    if (uri.includes('\0')) fail(uri, 'it contains a NUL character.');
    return { kind: 'local', uri, path: resolve(uri) };
  }
  const scheme = m[1]!.toLowerCase();
  const rest = uri.slice(m[0].length);
  switch (scheme) {
    case 'file': {
      if (!rest.startsWith('/')) fail(uri, "file URIs must be absolute ('file:///abs/path').");
      checkSegments(uri, rest);
      try {
        return { kind: 'local', uri, path: fileURLToPath(uri) };
      } catch (err) {
        return fail(uri, (err as Error).message);
      }
    }
    case 'runs': {
      if (!rest.startsWith('/') || rest.startsWith('//')) fail(uri, "expected 'runs:/<run_id>/<artifact path>'.");
      const [runId = '', ...parts] = rest.slice(1).split('/');
      if (!RUN_ID.test(runId)) fail(uri, `'${runId}' is not a run id; expected 'runs:/<run_id>/<artifact path>'.`);
      const artifactPath = parts.join('/').replace(/\/+$/, '');
      checkSegments(uri, artifactPath);
      return { kind: 'runs', uri, runId, artifactPath };
    }
    case 'models': {
      const path = rest.split('?')[0]!;
      const form = "expected 'models:/<model_id>', 'models:/<name>/<version|stage|latest>' or 'models:/<name>@<alias>'.";
      if (!path.startsWith('/') || path.startsWith('//') || path.length <= 1) fail(uri, form);
      const parts = path.slice(1).split('/');
      if (parts.length > 2 || parts[0]!.trim() === '') fail(uri, form);
      checkSegments(uri, path);
      if (parts.length === 2) {
        const [name, suffix] = parts as [string, string];
        if (suffix.trim() === '') fail(uri, form);
        if (/^\d+$/.test(suffix)) return { kind: 'registry', uri, name, version: suffix };
        if (suffix.toLowerCase() === 'latest') return { kind: 'registry', uri, name, latest: true };
        return { kind: 'registry', uri, name, stage: suffix };
      }
      const only = parts[0]!;
      if (only.includes('@')) {
        const at = only.lastIndexOf('@');
        const alias = only.slice(at + 1);
        if (alias.trim() === '' || at === 0) fail(uri, form);
        return { kind: 'registry', uri, name: only.slice(0, at), alias };
      }
      return { kind: 'logged-model', uri, modelId: only };
    }
    case 'mlflow-artifacts': {
      const path = rest.startsWith('//') ? rest.slice(2).replace(/^[^/]*/, '') : rest;
      if (!path.startsWith('/') || path.length <= 1) fail(uri, "expected 'mlflow-artifacts:/<path>'.");
      checkSegments(uri, path);
      return { kind: 'artifact', uri };
    }
    default:
      return fail(uri, `unsupported scheme '${scheme}:'. Use a local path, file:, runs:/, models:/ or mlflow-artifacts:/.`);
  }
}
