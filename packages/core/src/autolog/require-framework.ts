import { resolve as resolveImport } from 'import-meta-resolve';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Loads a framework (a CommonJS package such as @tensorflow/tfjs or onnxruntime-node)
 * synchronously, resolving it the way the user's own code would: from the working directory
 * first, then from runlog's install location. Node resolves `import` and `require` of these
 * packages to the same CommonJS copy, so hooking it here hooks what the user's code gets.
 * Undefined when the package is not installed (or cannot be required: see loadFramework).
 */
export function requireFramework(name: string, fromUrl?: string): unknown {
  for (const base of bases(fromUrl)) {
    const req = createRequire(base);
    let resolved: string;
    try {
      resolved = req.resolve(name);
    } catch {
      continue;
    }
    return req(resolved);
  }
  return undefined;
}

/** Where a framework would be loaded from, or undefined; to spot two copies of one framework. */
export function resolveFramework(name: string, fromUrl?: string): string | undefined {
  for (const base of bases(fromUrl)) {
    try {
      return createRequire(base).resolve(name);
    } catch {
      // not from here
    }
  }
  return undefined;
}

/** Errors of `require` that mean "this package is ES-only: import() it". */
const ESM_ONLY = new Set(['ERR_REQUIRE_ESM', 'ERR_REQUIRE_ASYNC_MODULE', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);

/**
 * Loads a framework from the same places as requireFramework, also when it is ES-only: a package
 * `require` can load comes back synchronously (the CommonJS copy the user's code shares); one
 * whose exports only have an `import` condition, or that Node refuses to require, is loaded
 * through `import()` and comes back as a promise of its namespace, resolved by Node's ESM rules
 * (the `import` condition) from the same bases. Undefined when it is not installed at all.
 */
export function loadFramework(name: string, fromUrl?: string): unknown {
  try {
    const mod = requireFramework(name, fromUrl);
    if (mod !== undefined) return mod;
  } catch (err) {
    if (!ESM_ONLY.has((err as { code?: string }).code ?? '')) throw err;
  }
  const url = resolveFrameworkImport(name, fromUrl);
  return url === undefined ? undefined : import(url);
}

/** The file URL `import(name)` would load from the working directory (then fromUrl), or undefined. */
export function resolveFrameworkImport(name: string, fromUrl?: string): string | undefined {
  for (const base of bases(fromUrl)) {
    try {
      return resolveImport(name, base.startsWith('file:') ? base : pathToFileURL(base).href);
    } catch {
      // not from here
    }
  }
  return undefined;
}

function bases(fromUrl: string | undefined): string[] {
  return [join(process.cwd(), 'package.json'), ...(fromUrl ? [fromUrl] : [])];
}
