import { randomUUID } from 'node:crypto';
import { posix } from 'node:path';
import { InvalidArgumentError } from '@runlog/core';
import { pngBytes, webpBytes } from './image-codecs.js';
import { toImagePixels, toRgba, type ImageInput } from './image-pixels.js';
import { putArtifactFiles, resolveRunTarget, type RunTarget } from './run-artifacts.js';
import { resizeRgba, thumbnailSize } from './thumbnail.js';

/** The run tag MLflow sets on a run with step images; its UI looks for it to show the image grid. */
export const LOGGED_IMAGES_TAG = 'mlflow.loggedImages';

export interface LogImageStepOptions extends RunTarget {
  /** The image series; letters, digits, `_ - . /` and spaces. `/` is kept as `~` in file names. */
  key: string;
  step?: number | undefined;
  /** Milliseconds since the epoch; default now. */
  timestamp?: number | undefined;
}

export interface LogImageFileOptions extends RunTarget {
  /** A plain artifact file (e.g. 'plots/confusion.png'), as MLflow's `log_image(artifact_file=…)`. */
  artifactFile: string;
}

const KEY_PATTERN = /^[a-zA-Z0-9_\-./ ]+$/;

/**
 * Logs an image to a run, in one of MLflow's two forms:
 * - `{ key, step }`: MLflow 3's step images, shown in the run's image grid with a step slider:
 *   `images/<key>+step+<step>+timestamp+<ms>+<uuid>.png` (full size), the same name with
 *   `+compressed.webp` (the longer side scaled to 256 px), and the run tag `mlflow.loggedImages`;
 * - `{ artifactFile }`: one PNG at that artifact path.
 * Resolves when the files are stored (endRun also waits for them); bad input is an
 * InvalidArgumentError before anything is written.
 */
export async function logImage(image: ImageInput, opts: LogImageStepOptions | LogImageFileOptions): Promise<void> {
  if ('artifactFile' in opts && opts.artifactFile !== undefined) {
    if ('key' in opts || 'step' in opts) throw new InvalidArgumentError('logImage: give either artifactFile, or key (with step), not both.');
    const file = opts.artifactFile;
    if (!/\.png$/i.test(file)) throw new InvalidArgumentError(`logImage: artifactFile must end in .png; got '${file}'.`);
    const { runId, client } = resolveRunTarget(opts, 'logImage');
    const px = await toImagePixels(image);
    const dir = posix.dirname(file) === '.' ? '' : posix.dirname(file);
    await putArtifactFiles(client, runId, dir, [{ name: posix.basename(file), bytes: pngBytes(px) }]);
    return;
  }
  const stepOpts = opts as LogImageStepOptions;
  const { key } = stepOpts;
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new InvalidArgumentError(`logImage: the key may contain only letters, digits, '_', '-', '.', '/' and spaces; got '${String(key)}'.`);
  }
  const step = stepOpts.step ?? 0;
  if (!Number.isInteger(step)) throw new InvalidArgumentError(`logImage: step must be an integer; got ${step}.`);
  const timestamp = stepOpts.timestamp ?? Date.now();
  if (!Number.isInteger(timestamp)) throw new InvalidArgumentError(`logImage: timestamp must be integer milliseconds; got ${timestamp}.`);
  const { runId, client } = resolveRunTarget(opts, 'logImage');
  const px = await toImagePixels(image);
  const rgba = toRgba(px);
  const size = thumbnailSize(px.width, px.height);
  const thumb = await webpBytes(resizeRgba(rgba, px.width, px.height, size.width, size.height), size.width, size.height);
  const base = `${key.replace(/\//g, '~')}+step+${step}+timestamp+${timestamp}+${randomUUID()}`;
  await putArtifactFiles(client, runId, 'images', [
    { name: `${base}.png`, bytes: pngBytes(px) },
    { name: `${base}+compressed.webp`, bytes: thumb },
  ]);
  client.setTag(runId, LOGGED_IMAGES_TAG, 'True');
}
