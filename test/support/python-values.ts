/**
 * Metric values crossing from Python to Node as JSON: Python's json.dumps would write NaN and
 * Infinity as bare words that JSON.parse rejects, so snippets send non-finite values as their
 * repr ('nan', 'inf', '-inf') and tests compare against toPythonJson(value).
 */
export const PY_VALUE_PRELUDE = `
import json, math, hashlib, os
from mlflow import MlflowClient
def v(x):
    return x if math.isfinite(x) else repr(x)
`;

export function toPythonJson(x: number): number | string {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
}
