// What every publishable package.json must say, as a list of problems (empty when all is well):
// one version for all packages, internal dependencies pinned to it, and the packaging fields
// that make a tarball usable (prepack build, dist in files, exports with types first, engines, ...).
import type { PackageManifest, WorkspacePackage } from './workspace.js';

/** The oldest Node with every API runlog uses (zlib.crc32 in the journal appeared in 20.15). */
export const NODE_ENGINE = '>=20.15';

const SECTIONS = ['dependencies', 'devDependencies', 'peerDependencies'] as const;

export function manifestProblems(root: PackageManifest, packages: readonly WorkspacePackage[]): string[] {
  const problems: string[] = [];
  const names = new Set(packages.map((p) => p.manifest.name));
  const versions = new Set(packages.map((p) => p.manifest.version));
  if (versions.size !== 1) {
    problems.push(`versions differ: ${packages.map((p) => `${p.manifest.name}@${p.manifest.version}`).join(', ')} (they move together)`);
  }
  if (root.engines?.node !== NODE_ENGINE) problems.push(`root package.json: engines.node is ${root.engines?.node}, expected ${NODE_ENGINE}`);
  const repoUrls = new Set(packages.map((p) => p.manifest.repository?.url));
  if (repoUrls.size !== 1) problems.push(`repository.url differs between packages: ${[...repoUrls].join(', ')}`);

  for (const { dir, manifest: m, tsBuildInfoFile } of packages) {
    const at = `${dir}/package.json`;
    for (const section of SECTIONS) {
      for (const [dep, range] of Object.entries(m[section] ?? {})) {
        if (names.has(dep) && range !== m.version) problems.push(`${at}: ${section}.${dep} is "${range}", expected "${m.version}" (internal packages are pinned to the shared version)`);
      }
    }
    if (m.private) problems.push(`${at}: is private`);
    if (m.engines?.node !== NODE_ENGINE) problems.push(`${at}: engines.node is ${m.engines?.node}, expected ${NODE_ENGINE}`);
    if (!m.license) problems.push(`${at}: no license`);
    if (!m.repository?.url || m.repository.directory !== dir) problems.push(`${at}: repository must give the url and directory "${dir}"`);
    // A package may build more after tsc (the ui package bundles its browser app).
    if (!/^tsc -b(?: && .+)?$/.test(m.scripts?.prepack ?? '')) problems.push(`${at}: scripts.prepack must build the package ("tsc -b"), so every tarball ships dist/`);
    if (!m.files?.includes('dist')) problems.push(`${at}: files must include dist`);
    // tsc -b trusts its build-info file: kept beside tsconfig.json, it would call a package whose
    // dist/ was deleted up to date, and prepack would pack no dist/. Inside dist/ it goes with it.
    if (tsBuildInfoFile !== 'dist/tsconfig.tsbuildinfo') problems.push(`${dir}/tsconfig.json: compilerOptions.tsBuildInfoFile must be "dist/tsconfig.tsbuildinfo"`);
    if (!m.files?.includes('!dist/tsconfig.tsbuildinfo')) problems.push(`${at}: files must leave out "!dist/tsconfig.tsbuildinfo"`);
    if (m.name.startsWith('@') && m.publishConfig?.access !== 'public') problems.push(`${at}: a scoped package needs publishConfig.access "public"`);
    if (m.main !== './dist/index.js' || m.types !== './dist/index.d.ts') problems.push(`${at}: main/types must point at dist/index.js and dist/index.d.ts (for tools that ignore exports)`);
    const exports = m.exports ?? {};
    if (exports['./package.json'] !== './package.json') problems.push(`${at}: exports must expose ./package.json`);
    for (const [subpath, target] of Object.entries(exports)) {
      if (typeof target === 'string') {
        if (!target.endsWith('.json')) problems.push(`${at}: exports["${subpath}"] must be conditional (types, source, default)`);
        continue;
      }
      const keys = Object.keys(target);
      if (keys[0] !== 'types' || keys.at(-1) !== 'default') problems.push(`${at}: exports["${subpath}"] must list "types" first and "default" last, found ${keys.join(', ')}`);
      if (!target.types?.startsWith('./dist/') || !target.types.endsWith('.d.ts')) problems.push(`${at}: exports["${subpath}"].types must be a .d.ts in dist`);
      if (!target.default?.startsWith('./dist/') || !target.default.endsWith('.js')) problems.push(`${at}: exports["${subpath}"].default must be a .js in dist`);
      if (target.source !== undefined && !target.source.startsWith('./src/')) problems.push(`${at}: exports["${subpath}"].source must be in src`);
    }
    for (const peer of Object.keys(m.peerDependencies ?? {})) {
      if (!m.peerDependenciesMeta?.[peer]?.optional) problems.push(`${at}: peer ${peer} must be optional (peerDependenciesMeta): frameworks are the user's choice`);
    }
    if (m.bin) {
      for (const [cmd, path] of Object.entries(m.bin)) {
        if (!m.files?.some((f) => path === f || path.startsWith(`${f}/`))) problems.push(`${at}: bin ${cmd} (${path}) is not in files`);
      }
    }
  }
  return problems;
}
