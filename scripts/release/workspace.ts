// The repository's publishable packages: their manifests, and publishing them with npm itself.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runOk } from './npm-env.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  repository?: { type?: string; url?: string; directory?: string };
  engines?: { node?: string };
  main?: string;
  types?: string;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  files?: string[];
  scripts?: Record<string, string>;
  publishConfig?: { access?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  workspaces?: string[];
}

export interface WorkspacePackage {
  /** Folder relative to the repository root, e.g. `packages/core`. */
  dir: string;
  manifest: PackageManifest;
  /** compilerOptions.tsBuildInfoFile of the package's tsconfig.json, as written there. */
  tsBuildInfoFile?: string;
}

function tsBuildInfoFileOf(tsconfigPath: string): string | undefined {
  // Loaded here, not imported: the compiler takes half a second to load, and only this field needs it.
  const ts = createRequire(import.meta.url)('typescript') as typeof import('typescript');
  const { config } = ts.readConfigFile(tsconfigPath, ts.sys.readFile) as { config?: { compilerOptions?: { tsBuildInfoFile?: string } } };
  return config?.compilerOptions?.tsBuildInfoFile;
}

export function readManifest(path: string): PackageManifest {
  return JSON.parse(readFileSync(path, 'utf8')) as PackageManifest;
}

/** The root manifest and every workspace package, in the root's `workspaces` order. */
export function workspacePackages(root = REPO_ROOT): { root: PackageManifest; packages: WorkspacePackage[] } {
  const rootManifest = readManifest(join(root, 'package.json'));
  const packages = (rootManifest.workspaces ?? []).map(
    (dir): WorkspacePackage => ({
      dir,
      manifest: readManifest(join(root, dir, 'package.json')),
      // Read when asked for (see tsBuildInfoFileOf).
      get tsBuildInfoFile() {
        return tsBuildInfoFileOf(join(root, dir, 'tsconfig.json'));
      },
    }),
  );
  return { root: rootManifest, packages };
}

/** One tarball as `npm publish --json` / `npm pack --json` describe it. */
export interface TarballInfo {
  name: string;
  version: string;
  /** Bytes of the .tgz. */
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string; size: number }[];
}

/**
 * The JSON values npm prints with --json: one pretty-printed object per package (npm 11 prints them
 * one after another for --workspaces), each opening with `{` and closing with `}` at column 0.
 */
function parseNpmJsonObjects(stdout: string): unknown[] {
  const objects = stdout.match(/^\{[\s\S]*?^\}$/gm) ?? [];
  if (objects.length === 0) throw new Error(`npm printed no JSON:\n${stdout.slice(-2000)}`);
  return objects.map((text) => JSON.parse(text) as unknown);
}

/**
 * `npm publish --workspaces` in the repository: every package's prepack builds it, npm packs it
 * and uploads it to the registry of `env` (which carries the token). Returns the tarballs published.
 */
export async function publishWorkspaces(env: NodeJS.ProcessEnv, root = REPO_ROOT): Promise<{ tarballs: TarballInfo[]; ms: number }> {
  const result = await runOk('npm', ['publish', '--workspaces', '--json'], { cwd: root, env, timeoutMs: 600_000 });
  // Each object is either one tarball or { "<package name>": tarball }.
  const tarballs = (parseNpmJsonObjects(result.stdout) as Record<string, unknown>[]).flatMap((json) =>
    typeof json.name === 'string' ? [json as unknown as TarballInfo] : (Object.values(json) as TarballInfo[]),
  );
  return { tarballs, ms: result.ms };
}
