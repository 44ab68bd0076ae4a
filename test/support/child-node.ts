// How tests start Node child processes that use runlog (the CLI, a training script, a fixture that
// logs and gets killed): on the built packages, as an installed user runs them. Loading the
// packages' TypeScript sources through tsx in every child costs about a second of CPU each, and
// the suite starts a few hundred children; the built JavaScript loads in a fraction of that.
// The fixtures in test/fixtures that run as children are plain JavaScript (.mjs) for the same
// reason: tsx in a child costs more CPU than loading runlog itself. A TypeScript script (the
// examples, as users write them) still goes through tsx, but only the script itself: its
// `import … from 'runlog'` resolves to dist/ (no `source` export condition).
//
// Contract: the packages must be built (`npx tsc -b`; `npm test` and scripts/run-tests.mjs build
// first). A child on a stale build would test old code, so childNodeArgs() throws, naming the
// package, when a package's build is older than its sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGES = join(REPO_ROOT, 'packages');

/** tsx's loader, by URL: a child's working directory may be anywhere. */
const TSX = import.meta.resolve('tsx');

/** The built `runlog` command (what the package's bin shim runs). */
export const BUILT_CLI = join(PACKAGES, 'runlog', 'dist', 'cli.js');

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

let checked = false;

/** Throws when a package's dist/ is missing or older than its src/ (checked once per process). */
export function assertPackagesBuilt(): void {
  if (checked) return;
  for (const name of readdirSync(PACKAGES)) {
    const src = join(PACKAGES, name, 'src');
    if (statSync(src, { throwIfNoEntry: false })?.isDirectory() !== true) continue;
    const built = statSync(join(PACKAGES, name, 'dist', 'tsconfig.tsbuildinfo'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (built < newestSourceMtime(src)) {
      throw new Error(`packages/${name}/dist is older than its sources: run \`npx tsc -b\` first (npm test and scripts/run-tests.mjs do)`);
    }
  }
  checked = true;
}

/**
 * The node arguments that run `script` (a .js/.mjs file, or a TypeScript fixture through tsx)
 * on the built packages, followed by `args`.
 */
export function childNodeArgs(script: string, ...args: string[]): string[] {
  assertPackagesBuilt();
  return /\.(c|m)?js$/.test(script) ? [script, ...args] : ['--import', TSX, script, ...args];
}

/** The node arguments that run the built `runlog` command with `args`. */
export function cliNodeArgs(...args: string[]): string[] {
  return childNodeArgs(BUILT_CLI, ...args);
}
