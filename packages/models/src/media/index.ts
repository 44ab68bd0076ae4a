export { logImage, LOGGED_IMAGES_TAG, type LogImageStepOptions, type LogImageFileOptions } from './log-image.js';
export type { ImageInput, RawPixels, TensorLike } from './image-pixels.js';
export { logTable, loadTable, LOGGED_ARTIFACTS_TAG, type LoadTableOptions } from './log-table.js';
export type { TableInput, TableJson } from './table-data.js';
export { logFigure, renderVegaLiteSvg, type LogFigureOptions } from './log-figure.js';
export type { RunTarget } from './run-artifacts.js';
