// Started by scripts/run-tests.mjs when a selected test file calls sharedMlflowServer(): starts one
// plain `mlflow server` (sqlite, default options), writes its SharedServerInfo as JSON to the file
// named by argv[2] (temp + rename, so a reader never sees half of it), and keeps it until its stdin
// closes (the runner ended, however it ended) or it gets SIGTERM/SIGINT; the harness's exit hooks
// then kill the server's process group. When the server cannot start, the file holds { error }.
import { startMlflowServer, type SharedServerInfo } from './mlflow-env.js';
import { hostShared } from './shared-host.js';

const infoFile = process.argv[2];
if (!infoFile) throw new Error('usage: shared-mlflow-host.ts <info-file>');

// The harness's exit hooks kill the server when this process exits.
await hostShared<SharedServerInfo>(infoFile, async (env) => {
  const { uri, port, tmpDir, artifactsDir, backendUri, logFile } = await startMlflowServer(env);
  process.stderr.write(`[runlog interop] shared MLflow server at ${uri}\n`);
  return { uri, port, tmpDir, artifactsDir, backendUri, logFile };
});
