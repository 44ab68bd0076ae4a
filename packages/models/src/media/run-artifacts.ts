import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoActiveRunError, activeRun, getClient, type RunlogClient } from '@runlog/core';

/** Which run an artifact call writes to: `runId` (with `client`), else the active run. */
export interface RunTarget {
  runId?: string | undefined;
  client?: RunlogClient | undefined;
}

export function resolveRunTarget(opts: RunTarget, what: string): { runId: string; client: RunlogClient } {
  const run = activeRun();
  const runId = opts.runId ?? run?.runId;
  if (runId === undefined) throw new NoActiveRunError(`${what}: no active run; start one with startRun(), or pass { runId }.`);
  const client = opts.client ?? (run && run.runId === runId ? run.client : getClient());
  return { runId, client };
}

/**
 * Uploads in-memory files as artifacts `<dir>/<name>` of a run: each is written under a fresh
 * temporary folder with its final name and handed to logArtifact (so it goes through the store's
 * normal, crash-safe artifact path), and the folder is removed afterwards.
 */
export async function putArtifactFiles(client: RunlogClient, runId: string, dir: string, files: Array<{ name: string; bytes: Uint8Array | string }>): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), 'runlog-media-'));
  try {
    for (const f of files) {
      const local = join(tmp, f.name);
      await writeFile(local, f.bytes);
      await client.logArtifact(runId, local, dir || undefined);
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
