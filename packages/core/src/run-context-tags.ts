import { existsSync, readFileSync, statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { RunTag } from './entities.js';

/** The user name MLflow records, found the way Python's getpass.getuser() does. */
export function currentUser(env: Record<string, string | undefined> = process.env): string {
  for (const name of ['LOGNAME', 'USER', 'LNAME', 'USERNAME']) {
    const v = env[name];
    if (v) return v;
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** The entry script of this process, as `mlflow.source.name` (Python records sys.argv[0]). */
export function sourceName(argv: string[] = process.argv): string {
  const script = argv[1];
  return script ? resolve(script) : '<node>';
}

/**
 * Commit of the git work tree containing `path`, read from .git without spawning git
 * (HEAD → loose ref → packed-refs). Undefined outside a repository or on anything unusual.
 */
export function gitCommit(path: string): string | undefined {
  try {
    let dir = statSync(path).isDirectory() ? path : dirname(path);
    for (;;) {
      const dotGit = join(dir, '.git');
      if (existsSync(dotGit)) return readHead(resolveGitDir(dotGit));
      const parent = dirname(dir);
      if (parent === dir) return undefined;
      dir = parent;
    }
  } catch {
    return undefined;
  }
}

function resolveGitDir(dotGit: string): string {
  if (statSync(dotGit).isDirectory()) return dotGit;
  const m = /^gitdir:\s*(.+)$/m.exec(readFileSync(dotGit, 'utf8'));
  return m ? resolve(dirname(dotGit), m[1]!.trim()) : dotGit;
}

function readHead(gitDir: string): string | undefined {
  const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
  if (/^[0-9a-f]{40,64}$/.test(head)) return head;
  const ref = /^ref:\s*(.+)$/.exec(head)?.[1];
  if (!ref) return undefined;
  // Worktrees keep refs in the common dir.
  const commonFile = join(gitDir, 'commondir');
  const common = existsSync(commonFile) ? resolve(gitDir, readFileSync(commonFile, 'utf8').trim()) : gitDir;
  for (const base of [gitDir, common]) {
    const loose = join(base, ref);
    if (existsSync(loose)) return readFileSync(loose, 'utf8').trim();
  }
  const packed = join(common, 'packed-refs');
  if (existsSync(packed)) {
    for (const line of readFileSync(packed, 'utf8').split('\n')) {
      const [sha, name] = line.split(' ');
      if (name === ref && sha) return sha;
    }
  }
  return undefined;
}

let cachedContext: RunTag[] | undefined;

/**
 * The tags MLflow's Python client sets at run start: mlflow.user, mlflow.source.name,
 * mlflow.source.type = LOCAL and, inside a git work tree, mlflow.source.git.commit.
 */
export function defaultRunTags(): RunTag[] {
  if (cachedContext) return cachedContext;
  const source = sourceName();
  const tags: RunTag[] = [
    { key: 'mlflow.user', value: currentUser() },
    { key: 'mlflow.source.name', value: source },
    { key: 'mlflow.source.type', value: 'LOCAL' },
  ];
  const commit = gitCommit(source === '<node>' ? process.cwd() : source);
  if (commit) tags.push({ key: 'mlflow.source.git.commit', value: commit });
  cachedContext = tags;
  return tags;
}
