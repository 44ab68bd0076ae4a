// The fork server the test run shares between files (python_fork_server.py --listen, reached
// through python-worker.ts's connectForkServer): several connections at once each get the answers
// to their own requests; every snippet starts from the server's pristine state with its own cwd,
// environment, output, exit code and process group; a timeout kills the snippet's whole group; a
// server that dies fails the snippet that runs; a connection that closes leaves the others served;
// and the server leaves when its owner's pipe closes.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ChildProcess } from 'node:child_process';

import { ensureMlflow } from '../support/mlflow-env.js';
import { connectForkServer, startForkServer, type ForkServer, type GroupTracker } from '../support/python-worker.js';

const env = await ensureMlflow();

/** Resolves to whether `pid` is gone within 30 s (a SIGKILL takes effect when the process is next scheduled). */
async function goneSoon(pid: number): Promise<boolean> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 50))) {
    if (!running(pid)) return true;
  }
  return false;
}

/** Whether `pid` still runs; a zombie left to a parent that does not reap counts as gone. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return existsSync('/proc/self') ? false : true;
  }
}

/** Process groups the tests were told about; all killed at the end. */
const live = new Set<number>();
const groups: GroupTracker = {
  started: (pgid) => live.add(pgid),
  finished: (pgid) => {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
    live.delete(pgid);
  },
};

describe('the shared python fork server', { skip: env ? false : 'MLflow interop unavailable' }, () => {
  let dir: string;
  let socket: string;
  let proc: ChildProcess;
  const clients: ForkServer[] = [];

  /** Starts a listening server (json preloaded, so the test does not wait on mlflow's imports). */
  async function startServer(path = socket): Promise<ChildProcess> {
    const p = startForkServer(env!.python, { env: { ...process.env, RUNLOG_PY_PRELOAD: 'json' }, cwd: dir, groups, args: ['--listen', path] });
    await new Promise<void>((resolve, reject) => {
      p.stdout!.on('data', (c: Buffer) => {
        if (c.toString('utf8').includes('"ready"')) resolve();
      });
      p.once('exit', (code) => reject(new Error(`fork server exited (${code})`)));
    });
    return p;
  }

  async function client(): Promise<ForkServer> {
    const c = connectForkServer(socket, groups);
    clients.push(c);
    await c.whenReady();
    return c;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'runlog-fork-server-'));
    socket = join(dir, 'fork.sock');
    proc = await startServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const pgid of [...live]) groups.finished(pgid);
    await rm(dir, { recursive: true, force: true });
  });

  it('answers each connection its own requests, in a fresh interpreter state with its own cwd, env, output, exit code and group', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const cwdA = await mkdtemp(join(dir, 'a-'));
    const cwdB = await mkdtemp(join(dir, 'b-'));
    const snippet = `
import json, os, sys
seen = getattr(json, 'marker', None)
json.marker = os.environ['WHO']
print(json.dumps({'who': os.environ['WHO'], 'seen': seen, 'cwd': os.getcwd(), 'own_group': os.getpgid(0) == os.getpid(), 'main': __name__}))
sys.stderr.write('err-' + os.environ['WHO'] + '\\n')
sys.exit(int(os.environ['CODE']))
`;
    // Both connections use request id 1 and 2: the answers must not cross.
    const results = await Promise.all([
      a.run(snippet, cwdA, { WHO: 'a1', CODE: '0' }, dir, 60_000),
      b.run(snippet, cwdB, { WHO: 'b1', CODE: '3' }, dir, 60_000),
      a.run(snippet, cwdA, { WHO: 'a2', CODE: '4' }, dir, 60_000),
      b.run(snippet, cwdB, { WHO: 'b2', CODE: '0' }, dir, 60_000),
    ]);
    const expected = [
      ['a1', cwdA, 0],
      ['b1', cwdB, 3],
      ['a2', cwdA, 4],
      ['b2', cwdB, 0],
    ] as const;
    results.forEach((r, i) => {
      const [who, cwd, code] = expected[i]!;
      assert.deepEqual(JSON.parse(r.stdout), { who, seen: null, cwd, own_group: true, main: '__main__' });
      assert.equal(r.stderr, `err-${who}\n`);
      assert.deepEqual([r.code, r.signal, r.timedOut], [code, null, false]);
    });
    const failed = await a.run('raise ValueError("boom-marker")', cwdA, {}, dir, 60_000);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /ValueError: boom-marker/);
  });

  it('a timeout kills the snippet and what it started; a closed connection leaves the others served', async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const pidFile = join(dir, 'grandchild.pid');
    const res = await a.run(
      `
import subprocess, time
p = subprocess.Popen(['sleep', '600'])
open(${JSON.stringify(pidFile)}, 'w').write(str(p.pid))
time.sleep(600)
`,
      dir,
      { PATH: process.env.PATH ?? '' },
      dir,
      // Long enough for the fork and its subprocess to start on a loaded machine; the snippet
      // itself would run for 10 minutes.
      5_000,
    );
    assert.deepEqual([res.timedOut, res.signal], [true, 'SIGKILL']);
    const grandchild = Number(await readFile(pidFile, 'utf8'));
    assert.ok(await goneSoon(grandchild), 'what the snippet started is killed with it');
    a.close();
    const after = await b.run('print("still here")', dir, {}, dir, 60_000);
    assert.deepEqual([after.code, after.stdout], [0, 'still here\n']);
  });

  it('a server that dies fails the running snippet, whose group is then killed; the server leaves when its stdin closes', async () => {
    const c = await client();
    const snippet = c.run('import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(600)', dir, {}, dir, 120_000);
    // Wait until the snippet has started (its group is registered), then kill only the server.
    while (live.size <= 1) await new Promise((r) => setTimeout(r, 50));
    const snippetGroup = [...live].find((g) => g !== proc.pid)!;
    proc.kill('SIGKILL');
    await assert.rejects(snippet, /python fork server closed the connection/);
    assert.ok(await goneSoon(snippetGroup), 'the snippet is killed');
    assert.equal(c.alive, false);

    const second = await startServer(join(dir, 'second.sock'));
    const exited = new Promise((resolve) => second.once('exit', resolve));
    second.stdin!.end();
    assert.equal(await exited, 0);
  });
});
