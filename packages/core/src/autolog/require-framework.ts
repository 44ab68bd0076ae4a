import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Loads a framework (a CommonJS package such as @tensorflow/tfjs or onnxruntime-node)
 * synchronously, resolving it the way the user's own code would: from the working directory
 * first, then from runlog's install location. Node resolves `import` and `require` of these
 * packages to the same CommonJS copy, so hooking it here hooks what the user's code gets.
 * Undefined when the package is not installed.
 */
export function requireFramework(name: string, fromUrl?: string): unknown {
  const bases = [join(process.cwd(), 'package.json'), ...(fromUrl ? [fromUrl] : [])];
  for (const base of bases) {
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
  const bases = [join(process.cwd(), 'package.json'), ...(fromUrl ? [fromUrl] : [])];
  for (const base of bases) {
    try {
      return createRequire(base).resolve(name);
    } catch {
      // not from here
    }
  }
  return undefined;
}
