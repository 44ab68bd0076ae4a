import { registerFlavor } from '@runlog/models';
import { tfjsFlavor } from './tfjs-flavor.js';

/**
 * Registers the tfjs flavor with @runlog/models, so `saveModel`/`logModel` take TF.js LayersModels
 * and `loadModel` loads models with a `tfjs` flavor block. Importing this package does not load TF.js:
 * it is imported on first save or load.
 */
export function registerTfjsFlavor(): void {
  registerFlavor(tfjsFlavor);
}
