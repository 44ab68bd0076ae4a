// Publishes the third-party packages a user's install needs into the loopback registry, so the
// install test is hermetic: the exact versions of the repository's package-lock.json, their tarballs
// taken from npm's local cache (filled by `npm ci`), their manifests from the installed copies.
// What a user's `npm install runlog @tensorflow/tfjs` resolves is then decided by semver against
// these versions alone, as it would be against the public registry.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
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

/** Reads each package's tarball from npm's cache, adding the ones it lacks with `npm cache add`. */
function readTarballs(pkgs: readonly ThirdPartyPackage[]): Map<ThirdPartyPackage, Buffer> {
  const cacheDir = npmCacheDir();
  const absent = pkgs.filter((p) => !existsSync(cachedTarballPath(cacheDir, p.integrity) ?? ''));
  if (absent.length) {
    const add = spawnSync('npm', ['cache', 'add', '--prefer-offline', ...absent.map((p) => `${p.name}@${p.version}`)], { encoding: 'utf8' });
    if (add.status !== 0) throw new Error(`npm cache add failed: ${add.stderr}`);
  }
  const out = new Map<ThirdPartyPackage, Buffer>();
  for (const p of pkgs) {
    const path = cachedTarballPath(cacheDir, p.integrity);
    if (!path || !existsSync(path)) throw new Error(`tarball of ${p.name}@${p.version} not in npm's cache (${p.integrity})`);
    out.set(p, readFileSync(path));
  }
  return out;
}

/** The request body `npm publish` sends (libnpmpublish's shape) for one version of a package. */
export function publishBody(registryUrl: string, manifest: Record<string, unknown>, tarball: Buffer, integrity: string): unknown {
  const name = manifest.name as string;
  const version = manifest.version as string;
  const tarballName = `${name}-${version}.tgz`;
  return {
    _id: name,
    name,
    description: manifest.description,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        ...manifest,
        _id: `${name}@${version}`,
        dist: {
          integrity,
          shasum: createHash('sha1').update(tarball).digest('hex'),
          tarball: `${registryUrl}${name}/-/${tarballName}`,
        },
      },
    },
    access: null,
    _attachments: { [tarballName]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
  };
}

export interface SeedResult {
  packages: number;
  bytes: number;
}

/**
 * One PUT on its own connection. (fetch's pooled keep-alive connections met EPIPE here: a large
 * body sent on a connection the server had just closed.)
 */
function put(url: string, token: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'PUT',
      agent: false,
      timeout: 120_000,
      headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: `Bearer ${token}` },
    });
    req.once('timeout', () => req.destroy(new Error(`PUT ${url} timed out`)));
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.once('error', reject);
    });
    req.end(body);
  });
}

/** Publishes `pkgs` into the registry (token: a publisher's), versions of one name in sequence. */
export async function seedRegistry(repoRoot: string, registryUrl: string, token: string, pkgs: readonly ThirdPartyPackage[]): Promise<SeedResult> {
  const tarballs = readTarballs(pkgs);
  const byName = new Map<string, ThirdPartyPackage[]>();
  for (const p of pkgs) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  let bytes = 0;
  const publishOne = async (p: ThirdPartyPackage) => {
    const manifestPath = join(repoRoot, p.lockPath, 'package.json');
    if (!existsSync(manifestPath)) throw new Error(`${p.name}@${p.version} is not installed at ${p.lockPath}: run npm ci`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;
    if (manifest.version !== p.version) throw new Error(`${p.lockPath} holds ${p.name}@${String(manifest.version)}, the lock says ${p.version}: run npm ci`);
    const tarball = tarballs.get(p)!;
    bytes += tarball.length;
    const body = Buffer.from(JSON.stringify(publishBody(registryUrl, manifest, tarball, p.integrity)));
    const { status, text } = await put(`${registryUrl}${p.name.replace('/', '%2f')}`, token, body);
    if (status !== 201 && status !== 200) throw new Error(`seeding ${p.name}@${p.version}: HTTP ${status} ${text}`);
  };
  // A few names at a time; the versions of one name one after the other (each PUT rewrites its packument).
  const queue = [...byName.values()];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) for (const p of next) await publishOne(p);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return { packages: pkgs.length, bytes };
}
