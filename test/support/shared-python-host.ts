// Started by scripts/run-tests.mjs when a selected test file runs Python snippets: starts one
// python_fork_server.py listening on the unix socket named by argv[3], with the environment a
// snippet starts from (pythonBaseEnv()), and once it has imported mlflow writes its
// SharedForkServerInfo as JSON to the file named by argv[2] (temp + rename, so a reader never
// sees half of it). When it cannot start, the file holds { error }. It keeps the server until its
// stdin closes (the runner ended, however it ended) or it gets SIGTERM/SIGINT, then kills the
// server's process group; the server also leaves by itself when this host's pipe to it closes.
import { tmpdir } from 'node:os';

import { GROUP_TRACKER, pythonBaseEnv } from './mlflow-env.js';
import { startForkServer, startupEnv, type SharedForkServerInfo } from './python-worker.js';
import { hostShared } from './shared-host.js';

const [infoFile, socket] = process.argv.slice(2);
if (!infoFile || !socket) throw new Error('usage: shared-python-host.ts <info-file> <socket>');

// The harness's group tracker: its exit and signal hooks kill the server's group when this host leaves.
await hostShared<SharedForkServerInfo>(infoFile, async (env) => {
  const base = pythonBaseEnv();
  const proc = startForkServer(env.python, { env: base, cwd: tmpdir(), groups: GROUP_TRACKER, args: ['--listen', socket] });
  proc.stderr?.pipe(process.stderr);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString('utf8');
      if (out.includes('"ready"')) resolve();
    });
    proc.once('exit', (code, signal) => reject(new Error(`the fork server exited before it was ready (${code ?? signal})`)));
    proc.once('error', reject);
  });
  process.stderr.write(`[runlog interop] shared python fork server at ${socket}\n`);
  return { socket, python: env.python, startupEnv: startupEnv(base) };
});
