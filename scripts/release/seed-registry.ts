// Puts the third-party packages a user's install needs into the loopback registry, so the install
// test is hermetic: the exact versions of the repository's package-lock.json, their tarballs taken
// from npm's local cache (filled by `npm ci`), their manifests from the installed copies. What a
// user's `npm install runlog @tensorflow/tfjs` resolves is then decided by semver against these
// versions alone, as it would be against the public registry.
//
// They are written straight into Verdaccio's storage folder, in the layout its local storage keeps
// for a published package (<name>/package.json beside <name>/<file>.tgz), not uploaded: uploading
// 57 MB as base64 JSON cost seconds of CPU on both ends, and how third-party packages get into the
// registry is not what the install test checks (runlog's own packages go through `npm publish`).
// Verdaccio reads a package's folder on each request, so npm gets the same documents and tarballs
// over HTTP either way.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

interface LockEntry {
  name?: string;
  version?: string;
  integrity?: string;
  link?: boolean;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

export interface ThirdPartyPackage {
  name: string;
  version: string;
  integrity: string;
  /** Where it is installed in the repository, relative to its root (a package-lock.json key). */
  lockPath: string;
}

/** The package-lock key a `require(name)` from `fromPath` reaches, walking up node_modules folders. */
function resolveIn(packages: Record<string, LockEntry>, fromPath: string, name: string): string | undefined {
  let base = fromPath;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut >= 0 ? base.slice(0, cut) : '';
  }
}

/**
 * Every third-party package (name, version) reachable from the workspace packages' dependencies and
 * required peers, plus `extraRoots` (e.g. '@tensorflow/tfjs', which users install beside runlog).
 */
export function thirdPartyClosure(repoRoot: string, extraRoots: readonly string[]): ThirdPartyPackage[] {
  const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const packages = lock.packages;
  // Workspace folders are the keys outside node_modules; npm leaves out `name` when it is the folder's.
  const workspaces = Object.entries(packages).filter(([key]) => key !== '' && !key.includes('node_modules/'));
  const workspaceNames = new Set(workspaces.map(([key, entry]) => entry.name ?? basename(key)));
  const found = new Map<string, ThirdPartyPackage>();
  const missing: string[] = [];

  const visit = (fromPath: string, name: string, optional: boolean) => {
    if (workspaceNames.has(name)) return;
    const key = resolveIn(packages, fromPath, name);
    if (!key) {
      if (!optional) missing.push(`${name} (needed by ${fromPath || 'the root'})`);
      return;
    }
    const entry = packages[key]!;
    if (entry.link) return;
    const id = `${name}@${entry.version}`;
    if (found.has(id)) return;
    if (!entry.integrity) throw new Error(`package-lock.json has no integrity for ${key}`);
    found.set(id, { name, version: entry.version!, integrity: entry.integrity, lockPath: key });
    walk(key, entry);
  };
  const walk = (path: string, entry: LockEntry) => {
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) visit(path, dep, false);
    }
  };

  for (const [key, entry] of workspaces) walk(key, entry);
  for (const name of extraRoots) visit('', name, false);
  if (missing.length) throw new Error(`package-lock.json does not resolve: ${missing.join(', ')}`);
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** npm's content-addressed cache path of a tarball (cacache's content-v2 layout). */
function cachedTarballPath(cacheDir: string, integrity: string): string | undefined {
  const sri = integrity.split(/\s+/).find((s) => s.startsWith('sha512-'));
  if (!sri) return undefined;
  const hex = Buffer.from(sri.slice('sha512-'.length), 'base64').toString('hex');
  return join(cacheDir, '_cacache', 'content-v2', 'sha512', hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

function npmCacheDir(): string {
  const out = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`npm config get cache failed: ${out.stderr}`);
  return out.stdout.trim();
}

/** Each package's tarball file in npm's cache, adding the ones it lacks with `npm cache add`. */
function cachedTarballs(pkgs: readonly ThirdPartyPackage[]): Map<ThirdPartyPackage, string> {
  const cacheDir = npmCacheDir();
  const absent = pkgs.filter((p) => !existsSync(cachedTarballPath(cacheDir, p.integrity) ?? ''));
  if (absent.length) {
    const add = spawnSync('npm', ['cache', 'add', '--prefer-offline', ...absent.map((p) => `${p.name}@${p.version}`)], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`npm cache add failed: ${add.stderr}`);
  }
  const out = new Map<ThirdPartyPackage, string>();
  for (const p of pkgs) {
    const path = cachedTarballPath(cacheDir, p.integrity);
    if (!path || !existsSync(path)) throw new Error(`tarball of ${p.name}@${p.version} not in npm's cache (${p.integrity})`);
    out.set(p, path);
  }
  return out;
}

/** The installed manifest of `p` in the repository (a lock key), checked against the lock's version. */
function installedManifest(repoRoot: string, p: ThirdPartyPackage): Record<string, unknown> {
  const manifestPath = join(repoRoot, p.lockPath, 'package.json');
  if (!existsSync(manifestPath)) throw new Error(`${p.name}@${p.version} is not installed at ${p.lockPath}: run npm ci`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
  if (manifest.version !== p.version) throw new Error(`${p.lockPath} holds ${p.name}@${String(manifest.version)}, the lock says ${p.version}: run npm ci`);
  return manifest;
}

/**
 * The package document Verdaccio keeps in `<storage>/<name>/package.json` for these versions of one
 * name, published in this order (so the last one is `latest`, as after one publish each), with the
 * tarball file name it keeps beside it for each version.
 */
function storedPackument(registryUrl: string, name: string, versions: readonly { manifest: Record<string, unknown>; integrity: string; shasum: string }[]) {
  const now = new Date().toISOString();
  const unscoped = name.slice(name.indexOf('/') + 1);
  const doc = {
    name,
    versions: {} as Record<string, unknown>,
    time: { modified: now, created: now } as Record<string, string>,
    users: {},
    'dist-tags': { latest: versions.at(-1)!.manifest.version as string },
    _uplinks: {},
    _distfiles: {},
    _attachments: {} as Record<string, { shasum: string; version: string }>,
    _rev: `${versions.length}-${createHash('sha1').update(name).digest('hex').slice(0, 16)}`,
    _id: name,
    readme: '',
  };
  const files: string[] = [];
  for (const { manifest, integrity, shasum } of versions) {
    const version = manifest.version as string;
    const file = `${unscoped}-${version}.tgz`;
    doc.versions[version] = { ...manifest, _id: `${name}@${version}`, dist: { integrity, shasum, tarball: `${registryUrl}${name}/-/${name}-${version}.tgz` } };
    doc.time[version] = now;
    doc._attachments[file] = { shasum, version };
    files.push(file);
  }
  return { doc, files };
}

export interface SeedResult {
  packages: number;
  bytes: number;
}

/**
 * Writes `pkgs` into the storage folder of the Verdaccio serving at `registry.url` (see the top of
 * this file). Call it before anything asks the registry for these names.
 */
export async function seedRegistry(repoRoot: string, registry: { url: string; storage: string }, pkgs: readonly ThirdPartyPackage[]): Promise<SeedResult> {
  const tarballs = cachedTarballs(pkgs);
  const byName = new Map<string, ThirdPartyPackage[]>();
  for (const p of pkgs) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  let bytes = 0;
  await Promise.all(
    [...byName].map(async ([name, versions]) => {
      const dir = join(registry.storage, name);
      await mkdir(dir, { recursive: true });
      const contents = await Promise.all(versions.map((p) => readFile(tarballs.get(p)!)));
      const { doc, files } = storedPackument(
        registry.url,
        name,
        versions.map((p, i) => ({ manifest: installedManifest(repoRoot, p), integrity: p.integrity, shasum: createHash('sha1').update(contents[i]!).digest('hex') })),
      );
      await Promise.all(files.map((file, i) => writeFile(join(dir, file), contents[i]!)));
      for (const c of contents) bytes += c.length;
      await writeFile(join(dir, 'package.json'), JSON.stringify(doc, null, 2));
    }),
  );
  return { packages: pkgs.length, bytes };
}
