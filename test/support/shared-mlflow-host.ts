// Started by scripts/run-tests.mjs when a selected test file calls sharedMlflowServer(): starts one
// plain `mlflow server` (sqlite, default options), writes its SharedServerInfo as JSON to the file
// named by argv[2] (temp + rename, so a reader never sees half of it), and keeps it until its stdin
// closes (the runner ended, however it ended) or it gets SIGTERM/SIGINT; the harness's exit hooks
// then kill the server's process group. When the server cannot start, the file holds { error }.
import { rename, writeFile } from 'node:fs/promises';

import { ensureMlflow, startMlflowServer, type SharedServerInfo } from './mlflow-env.js';

const infoArg = process.argv[2];
if (!infoArg) throw new Error('usage: shared-mlflow-host.ts <info-file>');
const infoFile: string = infoArg;

async function publish(info: SharedServerInfo | { error: string }): Promise<void> {
  await writeFile(`${infoFile}.tmp`, JSON.stringify(info));
  await rename(`${infoFile}.tmp`, infoFile);
}

// Leave as soon as the runner is gone: 'exit' runs the harness's hooks that kill the server.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

try {
  const env = await ensureMlflow();
  if (!env) {
    await publish({ error: 'MLflow interop unavailable (see the warning above)' });
  } else {
    const server = await startMlflowServer(env);
    const { uri, port, tmpDir, artifactsDir, backendUri, logFile } = server;
    await publish({ uri, port, tmpDir, artifactsDir, backendUri, logFile });
    process.stderr.write(`[runlog interop] shared MLflow server at ${uri}\n`);
  }
} catch (err) {
  await publish({ error: err instanceof Error ? err.message : String(err) });
}
