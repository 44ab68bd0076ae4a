// What the runner's hosts of shared things (shared-mlflow-host.ts, shared-python-host.ts) have in
// common: they leave as soon as the runner is gone (their stdin closes, however the runner ended),
// and they publish what they started, or why they could not, as JSON in the file the runner named
// (temp + rename, so a reader never sees half of it).
import { rename, writeFile } from 'node:fs/promises';
import { ensureMlflow, type MlflowEnv } from './mlflow-env.js';

/** Starts the shared thing with `start` and publishes its info (or `{ error }`) to `infoFile`. */
export async function hostShared<Info>(infoFile: string, start: (env: MlflowEnv) => Promise<Info>): Promise<void> {
  const publish = async (info: Info | { error: string }) => {
    await writeFile(`${infoFile}.tmp`, JSON.stringify(info));
    await rename(`${infoFile}.tmp`, infoFile);
  };
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('error', () => process.exit(0));
  process.stdin.resume();
  try {
    const env = await ensureMlflow();
    await publish(env ? await start(env) : { error: 'MLflow interop unavailable (see the warning above)' });
  } catch (err) {
    await publish({ error: err instanceof Error ? err.message : String(err) });
  }
}
