/**
 * Helpers for the Python snippets of the interop tests. Metric values cross to Node as JSON:
 * Python's json.dumps would write NaN and Infinity as bare words that JSON.parse rejects, so
 * snippets send non-finite values as their repr ('nan', 'inf', '-inf') with v(), and tests compare
 * against toPythonJson(value). walk_artifacts lists a run's artifact tree recursively.
 */
export const PY_VALUE_PRELUDE = `
import json, math, hashlib, os
from mlflow import MlflowClient
def v(x):
    return x if math.isfinite(x) else repr(x)
def walk_artifacts(client, run_id, path=None):
    out = []
    for f in client.list_artifacts(run_id, path):
        out.append([f.path, f.is_dir, f.file_size])
        if f.is_dir:
            out.extend(walk_artifacts(client, run_id, f.path))
    return out
`;

export function toPythonJson(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}
