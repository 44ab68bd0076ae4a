import { createRequire } from 'node:module';
import { sep } from 'node:path';

/**
 * Finding copies of @tensorflow/tfjs-layers that autologging did not hook. Two copies happen when
 * a project has two installs (tfjs-node pinning its own tfjs, a monorepo with two versions): a
 * model built with the other copy has another LayersModel class, whose fit() we never see. Node
 * loads tfjs-layers as one CommonJS bundle per install, so every copy `require` or `import` loaded
 * is one entry of the module cache, whose exports name its LayersModel class.
 */

const LAYERS_DIR = `${sep}@tensorflow${sep}tfjs-layers${sep}`;
const cache = createRequire(import.meta.url).cache;

/**
 * The install directories of loaded tfjs-layers copies whose LayersModel is not in `hooked`
 * (a copy still loading, without exports yet, is skipped). ESM builds of TF.js (a bundler's) are
 * not in Node's module cache and are not seen.
 */
export function unhookedLayersCopies(hooked: ReadonlySet<unknown>): string[] {
  const found = new Map<string, boolean>();
  for (const [file, mod] of Object.entries(cache)) {
    const at = file.lastIndexOf(LAYERS_DIR);
    if (at < 0) continue;
    const root = file.slice(0, at + LAYERS_DIR.length - 1);
    const layersModel = (mod?.exports as { LayersModel?: unknown } | undefined)?.LayersModel;
    if (typeof layersModel !== 'function') continue;
    found.set(root, (found.get(root) ?? false) || hooked.has(layersModel));
  }
  return [...found].filter(([, isHooked]) => !isHooked).map(([root]) => root);
}
