// Helpers of the projects tests: throw-away projects, stores and git repositories.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunlogClient, type Run } from '@runlog/core';

/** The repository's node_modules (where tsx and the workspace packages are). */
export const REPO_NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

/** A directory holding `files` (paths may have folders); `linkModules` links the repository's node_modules into it. */
export function makeProject(files: Record<string, string>, opts: { linkModules?: boolean } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'runlog-project-test-'));
  if (opts.linkModules) symlinkSync(REPO_NODE_MODULES, join(dir, 'node_modules'), 'dir');
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** A fresh local store: its URI and a client on it (memory durability). */
export function makeStore(): { uri: string; client: RunlogClient } {
  const uri = join(mkdtempSync(join(tmpdir(), 'runlog-project-store-')), 'mlruns');
  return { uri, client: new RunlogClient({ trackingUri: uri, durability: 'memory' }) };
}

/** Every run of experiment 0 (and of `experimentIds`). */
export async function allRuns(client: RunlogClient, experimentIds = ['0']): Promise<Run[]> {
  try {
    return (await client.searchRuns({ experimentIds, maxResults: 1000 })).items;
  } catch {
    return [];
  }
}

export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).trim();
}

/** A node script that records its argv and the run's environment into `out.json`, then exits with EXIT (default 0). */
export const RECORDER = `
import { writeFileSync } from 'node:fs';
writeFileSync('out.json', JSON.stringify({
  argv: process.argv.slice(2),
  runId: process.env.MLFLOW_RUN_ID,
  trackingUri: process.env.MLFLOW_TRACKING_URI,
  experimentId: process.env.MLFLOW_EXPERIMENT_ID,
}));
process.exit(Number(process.env.EXIT ?? 0));
`;
