import { readFile, rm } from 'node:fs/promises';
import { posix } from 'node:path';
import { InvalidArgumentError, NotFoundError, activeRun, getClient, type RunlogClient } from '@runlog/core';
import { putArtifactFiles, resolveRunTarget, type RunTarget } from './run-artifacts.js';
import { concatTables, toTableJson, type TableInput, type TableJson } from './table-data.js';

/** The run tag listing a run's tables: a JSON list of `{"path": …, "type": "table"}`. */
export const LOGGED_ARTIFACTS_TAG = 'mlflow.loggedArtifacts';

const FORBIDDEN = ['"', "'", ',', ':', '[', ']', '{', '}'];

function checkTableFile(artifactFile: string, what: string): void {
  if (typeof artifactFile !== 'string' || artifactFile === '') throw new InvalidArgumentError(`${what}: an artifact file is required.`);
  for (const ch of FORBIDDEN) {
    if (artifactFile.includes(ch)) throw new InvalidArgumentError(`${what}: the artifact file may not contain ${ch}; got '${artifactFile}'.`);
  }
  if (!artifactFile.endsWith('.json')) {
    throw new InvalidArgumentError(`${what}: the artifact file must end in .json (MLflow's parquet form is not written by runlog); got '${artifactFile}'.`);
  }
}

/** Python's json.dumps layout (", " and ": "), so MLflow's LIKE filter on this tag matches. */
function pyJsonList(entries: Array<{ path: string; type: string }>): string {
  return `[${entries.map((e) => `{"path": ${JSON.stringify(e.path)}, "type": ${JSON.stringify(e.type)}}`).join(', ')}]`;
}

async function readTable(client: RunlogClient, runId: string, artifactFile: string): Promise<TableJson | undefined> {
  const dir = posix.dirname(artifactFile) === '.' ? undefined : posix.dirname(artifactFile);
  const files = await client.listArtifacts(runId, dir);
  if (!files.some((f) => !f.isDir && f.path === artifactFile)) return undefined;
  const local = await client.downloadArtifacts(runId, artifactFile);
  try {
    const parsed = JSON.parse(await readFile(local, 'utf8')) as TableJson;
    if (!Array.isArray(parsed.columns) || !Array.isArray(parsed.data)) throw new Error('not a split-orient table');
    return parsed;
  } catch (err) {
    throw new InvalidArgumentError(`The artifact ${artifactFile} of run ${runId} is not a table: ${(err as Error).message}`);
  } finally {
    await rm(local, { force: true });
  }
}

/**
 * Logs a table as MLflow's `log_table` does: the JSON file `artifactFile` in pandas' split
 * orientation (no index), which `mlflow.load_table` and `pd.read_json(orient="split")` read, and
 * an entry in the run's `mlflow.loggedArtifacts` tag. If the run already has that file, the rows
 * are appended to it (columns aligned by name).
 */
export async function logTable(data: TableInput, artifactFile: string, opts: RunTarget = {}): Promise<void> {
  checkTableFile(artifactFile, 'logTable');
  const table = toTableJson(data);
  const { runId, client } = resolveRunTarget(opts, 'logTable');
  const existing = await readTable(client, runId, artifactFile);
  const merged = existing ? concatTables(existing, table) : table;
  const dir = posix.dirname(artifactFile) === '.' ? '' : posix.dirname(artifactFile);
  await putArtifactFiles(client, runId, dir, [{ name: posix.basename(artifactFile), bytes: JSON.stringify(merged) }]);
  const run = await client.getRun(runId);
  let entries: Array<{ path: string; type: string }> = [];
  try {
    const parsed: unknown = JSON.parse(run.data.tags[LOGGED_ARTIFACTS_TAG] ?? '[]');
    if (Array.isArray(parsed)) entries = parsed as typeof entries;
  } catch {
    // a damaged tag is replaced
  }
  if (!entries.some((e) => e.path === artifactFile && e.type === 'table')) {
    entries.push({ path: artifactFile, type: 'table' });
    client.setTag(runId, LOGGED_ARTIFACTS_TAG, pyJsonList(entries));
  }
}

export interface LoadTableOptions {
  /** Only these runs (default: every run of the experiments that logged this table). */
  runIds?: string[] | undefined;
  /** Experiments searched (default: the active run's, else the tracking store's default '0'). */
  experimentIds?: string[] | undefined;
  /** Adds a `run_id` column (MLflow's `extra_columns=["run_id"]`). */
  extraColumns?: Array<'run_id'> | undefined;
  client?: RunlogClient | undefined;
}

/**
 * Reads the table `artifactFile` from every run that logged it (found by MLflow's tag filter),
 * concatenated, as `mlflow.load_table`. A listed run without the table, or no run at all, is a
 * NotFoundError.
 */
export async function loadTable(artifactFile: string, opts: LoadTableOptions = {}): Promise<TableJson> {
  checkTableFile(artifactFile, 'loadTable');
  const client = opts.client ?? activeRun()?.client ?? getClient();
  let experimentIds = opts.experimentIds;
  if (!experimentIds) {
    const current = activeRun();
    experimentIds = current ? [current.info.experimentId] : ['0'];
  }
  let filter = `tags.${LOGGED_ARTIFACTS_TAG} LIKE '%"path"%:%"${artifactFile}",%"type"%:%"table"%'`;
  if (opts.runIds?.length) filter += ` and attributes.run_id IN (${opts.runIds.map((r) => `'${r}'`).join(',')})`;
  const runIds: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await client.searchRuns({ experimentIds, filter, pageToken, maxResults: 1000 });
    for (const r of page.items) runIds.push(r.info.runId);
    pageToken = page.nextPageToken;
  } while (pageToken);
  if (runIds.length === 0) throw new NotFoundError(`No runs found with the table ${artifactFile}.`);
  let out: TableJson | undefined;
  for (const runId of runIds) {
    let t = await readTable(client, runId, artifactFile);
    if (!t) throw new NotFoundError(`Artifact ${artifactFile} not found for run ${runId}.`);
    if (opts.extraColumns?.includes('run_id')) {
      const name = t.columns.includes('run_id') ? 'run_id_' : 'run_id';
      t = { columns: [...t.columns, name], data: t.data.map((row) => [...row, runId]) };
    }
    out = out ? concatTables(out, t) : t;
  }
  return out!;
}
