import { execFile } from 'node:child_process';

/** Longest one git command may take (a clone of a large repository over a slow link); then it is killed. */
export const GIT_TIMEOUT_MS = 10 * 60_000;

export interface GitResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `git args` in `cwd` through the git binary, bounded by `timeoutMs`, never prompting for
 * credentials (a prompt would hang a run; credentials come from the user's git configuration).
 * Resolves with ok=false on a non-zero exit, a timeout or a missing git binary; never rejects.
 */
export function git(args: readonly string[], cwd: string, timeoutMs = GIT_TIMEOUT_MS): Promise<GitResult> {
  return new Promise((resolveResult) => {
    execFile(
      'git',
      [...args],
      { cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' }, windowsHide: true },
      (err, stdout, stderr) => {
        const message = err && !stderr ? err.message : stderr;
        resolveResult({ ok: err === null, stdout: stdout.trim(), stderr: String(message).trim() });
      },
    );
  });
}

/** What a work tree says about itself, for the run's source tags. */
export interface GitInfo {
  /** The work tree's top directory. */
  topLevel: string;
  /** HEAD's commit. */
  commit: string | undefined;
  /** The URL of the first remote (credentials removed), if any. */
  repoUrl: string | undefined;
}

/** The git facts of `dir`, or undefined when it is not inside a git work tree (or git is missing). */
export async function gitInfo(dir: string): Promise<GitInfo | undefined> {
  const top = await git(['rev-parse', '--show-toplevel'], dir, 30_000);
  if (!top.ok || top.stdout === '') return undefined;
  const commit = await git(['rev-parse', 'HEAD'], dir, 30_000);
  const remotes = await git(['remote'], dir, 30_000);
  const first = remotes.ok ? remotes.stdout.split('\n').find((r) => r.trim() !== '') : undefined;
  const url = first === undefined ? undefined : await git(['remote', 'get-url', first], dir, 30_000);
  return {
    topLevel: top.stdout,
    commit: commit.ok && commit.stdout !== '' ? commit.stdout : undefined,
    repoUrl: url?.ok && url.stdout !== '' ? stripCredentials(url.stdout) : undefined,
  };
}

/** Whether `name` is a local branch of the repository at `dir` (MLflow's test for the branch tag). */
export async function isBranch(dir: string, name: string): Promise<boolean> {
  return (await git(['rev-parse', '--verify', '--quiet', `refs/heads/${name}`], dir, 30_000)).ok;
}

/** `https://user:token@host/x` → `https://host/x`; other forms unchanged. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
