/**
 * POSIX shell quoting with the exact output of Python's `shlex.quote`, which `mlflow run` applies
 * to every parameter value before putting it in the command and before logging it as a param.
 * A generic quoting library writes other (equally valid) text, e.g. `"a'b"` where shlex writes
 * `'a'"'"'b'`; runlog logs the same param values as MLflow, so it needs shlex's text exactly.
 */
const SAFE = /^[\w@%+=:,./-]+$/;

export function shellQuote(value: string): string {
  if (value === '') return "''";
  // shlex's safe set is ASCII-only (`\w` in a bytes-free, re.ASCII pattern).
  if (SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}
