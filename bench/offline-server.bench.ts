/**
 * Issue #10 benchmark: what an absent tracking server costs a training script. Each figure is
 * measured twice in child processes, against a port nothing listens on and against a local
 * ./mlruns store (the anchor: no network at all), so the ratio shows what the dead server adds:
 *   - fluent script: from the start of its body to the process exit (imports not counted);
 *   - autolog fit(): from the last epoch's end to fit() returning (model and summary included);
 *   - `runlog runs`: the whole CLI process, start to exit.
 * Before issue 10 these were ~91 s, ~157 s and ~129 s against a dead port.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { line, ratio } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHILD = join(root, 'bench', 'offline-child.ts');
const CLI = join(root, 'packages', 'runlog', 'src', 'cli.ts');

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

/** Runs a child; resolves its stdout, its start and exit times (ms since epoch) and exit code. */
function run(args: string[], env: Record<string, string>): Promise<{ out: string; started: number; exited: number; code: number | null }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', ...args], { cwd: root, env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.resume();
    child.on('exit', (code) => resolve({ out, started, exited: Date.now(), code }));
  });
}

const num = (out: string, key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(out)?.[1] ?? NaN);

export async function offlineServerBench(): Promise<void> {
  console.log('\nabsent tracking server (issue 10): dead port vs local ./mlruns anchor');
  const tmp = mkdtempSync(join(tmpdir(), 'runlog-bench-offline-'));
  const env = { RUNLOG_JOURNAL_DIR: join(tmp, 'journal') };
  try {
    const dead = `http://127.0.0.1:${await deadPort()}`;
    const local = join(tmp, 'mlruns');
    const fluent = async (uri: string) => {
      const r = await run([CHILD, uri, 'fluent'], env);
      return r.exited - num(r.out, 'body');
    };
    const [fDead, fLocal] = [await fluent(dead), await fluent(local)];
    line('fluent script, body start to process exit (dead port)', `${fDead} ms`, `${ratio(fDead, fLocal)} of local (${fLocal} ms)`);
    const fit = async (uri: string) => num((await run([CHILD, uri, 'fit'], env)).out, 'gap');
    const [gDead, gLocal] = [await fit(dead), await fit(local)];
    line('autolog fit(): last epoch end to fit() return (dead port)', `${gDead} ms`, `${ratio(gDead, gLocal)} of local (${gLocal} ms)`);
    const runs = async (uri: string) => {
      const r = await run([CLI, 'runs'], { ...env, MLFLOW_TRACKING_URI: uri });
      return { ms: r.exited - r.started, code: r.code };
    };
    const [rDead, rLocal] = [await runs(dead), await runs(local)];
    line('`runlog runs` process, start to exit (dead port)', `${rDead.ms} ms`, `exit ${rDead.code}; ${ratio(rDead.ms, rLocal.ms)} of local (${rLocal.ms} ms)`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
