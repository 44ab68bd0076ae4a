// Started by scripts/run-tests.mjs when a selected test file runs Python snippets: starts one
// python_fork_server.py listening on the unix socket named by argv[3], with the environment a
// snippet starts from (pythonBaseEnv()), and once it has imported mlflow writes its
// SharedForkServerInfo as JSON to the file named by argv[2] (temp + rename, so a reader never
// sees half of it). When it cannot start, the file holds { error }. It keeps the server until its
// stdin closes (the runner ended, however it ended) or it gets SIGTERM/SIGINT, then kills the
// server's process group; the server also leaves by itself when this host's pipe to it closes.
import { rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';

import { ensureMlflow, pythonBaseEnv } from './mlflow-env.js';
import { startForkServer, startupEnv, type GroupTracker, type SharedForkServerInfo } from './python-worker.js';

const [infoArg, socketArg] = process.argv.slice(2);
if (!infoArg || !socketArg) throw new Error('usage: shared-python-host.ts <info-file> <socket>');
const infoFile: string = infoArg;
const socket: string = socketArg;

async function publish(info: SharedForkServerInfo | { error: string }): Promise<void> {
  await writeFile(`${infoFile}.tmp`, JSON.stringify(info));
  await rename(`${infoFile}.tmp`, infoFile);
}

const groups = new Set<number>();
const killAll = (): void => {
  for (const pgid of groups) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // ESRCH: already gone
    }
  }
  groups.clear();
};
const tracker: GroupTracker = {
  started: (pgid) => groups.add(pgid),
  finished: (pgid) => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // ESRCH: already gone
    }
    groups.delete(pgid);
  },
};
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(sig, () => process.exit(0));
// Leave as soon as the runner is gone.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();

try {
  const env = await ensureMlflow();
  if (!env) {
    await publish({ error: 'MLflow interop unavailable (see the warning above)' });
  } else {
    const base = pythonBaseEnv();
    const proc = startForkServer(env.python, { env: base, cwd: tmpdir(), groups: tracker, args: ['--listen', socket] });
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
    await publish({ socket, python: env.python, startupEnv: startupEnv(base) });
    process.stderr.write(`[runlog interop] shared python fork server at ${socket}\n`);
  }
} catch (err) {
  await publish({ error: err instanceof Error ? err.message : String(err) });
}
