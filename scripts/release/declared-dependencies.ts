// Which declared dependencies a package never uses. A dependency (or peer) counts as used when its
// package's src names it in code: an import, export-from, import() or require() specifier, or any
// other string literal naming the package or one of its subpaths (frameworks are loaded by name,
// e.g. requireFramework('onnxruntime-node')). Comments do not count.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { WorkspacePackage } from './workspace.js';

/**
 * Declared but not yet imported on purpose, with the reason. Each entry is temporary: the check
 * fails once the dependency is imported (or no longer declared), so the entry is removed then.
 */
export const PENDING_USE: Readonly<Record<string, Readonly<Record<string, string>>>> = {};

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(c|m)?tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The package a module specifier names: `@scope/name` or `name`, without a subpath. */
function packageOf(specifier: string): string | undefined {
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(\/.*)?$/i.test(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** Every package name that a string literal in the files under `srcDir` names. */
export function packagesNamedIn(srcDir: string): Set<string> {
  const named = new Set<string>();
  for (const file of sourceFiles(srcDir)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node) => {
      if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        const pkg = packageOf(node.text);
        if (pkg) named.add(pkg);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return named;
}

export interface UnusedDependency {
  package: string;
  dependency: string;
  section: 'dependencies' | 'peerDependencies';
}

/** Declared dependencies and peers of each package that its src never names. */
export function unusedDependencies(repoRoot: string, packages: readonly WorkspacePackage[]): UnusedDependency[] {
  const unused: UnusedDependency[] = [];
  for (const { dir, manifest } of packages) {
    const named = packagesNamedIn(join(repoRoot, dir, 'src'));
    for (const section of ['dependencies', 'peerDependencies'] as const) {
      for (const dependency of Object.keys(manifest[section] ?? {})) {
        if (!named.has(dependency)) unused.push({ package: manifest.name, dependency, section });
      }
    }
  }
  return unused;
}
