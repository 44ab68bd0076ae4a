import { UnknownFlavorError } from '@runlog/core';
import type { Flavor } from './types.js';

/**
 * The installed flavors, in registration order. Framework packages register theirs on import
 * (`registerFlavor(onnxFlavor)`); saveModel picks the first that accepts the model object, and
 * loadModel the first whose name appears in the MLmodel's `flavors`. The list lives on
 * globalThis so that two copies of this package (a CJS and an ESM build, or two installs) share it.
 */

const KEY = Symbol.for('runlog.models.flavors');
type Registry = Map<string, Flavor>;

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  return (g[KEY] ??= new Map());
}

/**
 * Registers a flavor; a flavor with the same name is replaced in place (deduplicated by name).
 * Returns a function that unregisters it (if it is still the registered one).
 */
export function registerFlavor<M>(flavor: Flavor<M>): () => void {
  const f = flavor as unknown as Flavor;
  if (!f || typeof f.name !== 'string' || f.name === '' || typeof f.accepts !== 'function' || typeof f.save !== 'function' || typeof f.load !== 'function') {
    throw new TypeError('registerFlavor: a flavor needs a name, accepts(), save() and load().');
  }
  registry().set(f.name, f);
  return () => {
    if (registry().get(f.name) === f) registry().delete(f.name);
  };
}

export function unregisterFlavor(name: string): boolean {
  return registry().delete(name);
}

/** The registered flavor of that name, if any. */
export function getFlavor(name: string): Flavor | undefined {
  return registry().get(name);
}

/** The registered flavors, in registration order. */
export function listFlavors(): Flavor[] {
  return [...registry().values()];
}

/** The first registered flavor that accepts `model`; UnknownFlavorError when none does. */
export function flavorFor(model: unknown): Flavor {
  for (const f of registry().values()) {
    if (f.accepts(model)) return f;
  }
  const names = [...registry().keys()];
  const what = model === null ? 'null' : typeof model === 'object' ? (model.constructor?.name ?? 'object') : typeof model;
  throw new UnknownFlavorError(
    `No installed flavor can save this model (${what}). Installed flavors: ${names.length ? names.join(', ') : 'none'}; ` +
      `install and import one (e.g. @runlog/onnx, @runlog/tfjs) or pass { flavor }.`,
  );
}

/**
 * The flavor to load a model with: `preferred` if given (it must be registered and present in
 * the MLmodel), else the first registered flavor whose name is among the model's flavors.
 */
export function flavorForModel(modelFlavors: Record<string, unknown>, preferred?: string): Flavor {
  const present = Object.keys(modelFlavors);
  const installed = [...registry().keys()];
  if (preferred !== undefined) {
    const f = registry().get(preferred);
    if (!f || !present.includes(preferred)) {
      throw new UnknownFlavorError(
        `Flavor '${preferred}' ${f ? 'is not among the model\'s flavors' : 'is not installed'}. ` +
          `Model flavors: ${present.join(', ') || 'none'}; installed flavors: ${installed.join(', ') || 'none'}.`,
      );
    }
    return f;
  }
  for (const f of registry().values()) {
    if (present.includes(f.name)) return f;
  }
  throw new UnknownFlavorError(
    `None of the model's flavors is installed. Model flavors: ${present.join(', ') || 'none'}; ` +
      `installed flavors: ${installed.join(', ') || 'none'}.`,
  );
}
