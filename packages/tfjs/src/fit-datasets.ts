import type * as tfjs from '@tensorflow/tfjs';
import type { DatasetInputSpec } from '@runlog/core';
import type { FlatArray } from '@runlog/models/internal';
import { MAX_HASHED_ELEMENTS } from '@runlog/models/internal';
import { datasetFromTensor, datasetFromTfDataset, flatTensorHead, tensorsDataset, type TensorFeatures } from './tf-datasets.js';
import { isTfTensor } from './tensor-convert.js';

/**
 * The datasets of a fit(), as Python's Keras autolog logs them: the training data (x with y as
 * targets) with context 'train', and `validationData` with context 'eval'. With
 * `validationSplit`, the rows TF.js holds out (the last ones) are logged as 'eval' too; 'train'
 * stays the whole x, as in Python. Read synchronously before training (only the first 10,000
 * values of each tensor are read).
 */
export function fitInputs(args: readonly unknown[]): DatasetInputSpec[] {
  const [x, y, config] = args as [unknown, unknown, Record<string, unknown> | undefined];
  const out: DatasetInputSpec[] = [];
  if (!isTensorFeatures(x)) return out;
  out.push({ dataset: datasetFromTensor(x, { targets: isTensorFeatures(y) ? y : undefined }), context: 'train' });
  const validation = config?.['validationData'];
  const split = config?.['validationSplit'];
  if (Array.isArray(validation) && isTensorFeatures(validation[0])) {
    out.push({ dataset: datasetFromTensor(validation[0], { targets: isTensorFeatures(validation[1]) ? validation[1] : undefined }), context: 'eval' });
  } else if (typeof split === 'number' && split > 0 && split < 1 && isTfTensor(x)) {
    const rows = x.shape[0] ?? 0;
    const from = Math.floor(rows * (1 - split));
    if (from < rows) out.push({ dataset: heldOut(x, isTfTensor(y) ? y : undefined, from), context: 'eval' });
  }
  return out;
}

/** The datasets of a fitDataset(): the dataset ('train') and validationData ('eval'), read after training. */
export async function fitDatasetInputs(args: readonly unknown[]): Promise<DatasetInputSpec[]> {
  const [ds, config] = args as [tfjs.data.Dataset<tfjs.TensorContainer>, Record<string, unknown> | undefined];
  const out: DatasetInputSpec[] = [{ dataset: await datasetFromTfDataset(ds), context: 'train' }];
  const validation = config?.['validationData'];
  if (isDataset(validation)) out.push({ dataset: await datasetFromTfDataset(validation), context: 'eval' });
  else if (Array.isArray(validation) && isTensorFeatures(validation[0])) {
    out.push({ dataset: datasetFromTensor(validation[0], { targets: isTensorFeatures(validation[1]) ? validation[1] : undefined }), context: 'eval' });
  }
  return out;
}

/** The rows from `from` on of x (and y): what validationSplit holds out. */
function heldOut(x: tfjs.Tensor, y: tfjs.Tensor | undefined, from: number) {
  const tail = (t: tfjs.Tensor): FlatArray => flatTensorHead(t, from, MAX_HASHED_ELEMENTS);
  return tensorsDataset(tail(x), y === undefined ? undefined : tail(y), {});
}

function isTensorFeatures(v: unknown): v is TensorFeatures {
  if (isTfTensor(v)) return true;
  if (Array.isArray(v)) return v.length > 0 && v.every(isTfTensor);
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0 && Object.values(v).every(isTfTensor);
}

function isDataset(v: unknown): v is tfjs.data.Dataset<tfjs.TensorContainer> {
  return typeof (v as { iterator?: unknown } | null)?.iterator === 'function' && !isTfTensor(v);
}
