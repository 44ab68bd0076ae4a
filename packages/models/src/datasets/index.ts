/** Dataset builders for logInput: MLflow's dataset entity with a stable digest, schema and profile. */
export { datasetFromArrays, tensorDataset, arraysDigest, MAX_HASHED_ELEMENTS, type ArrayFeatures, type ArrayDatasetOptions, type DatasetOptions } from './array-dataset.js';
export { datasetFromRecords, tableDataset, typedColumn, tableDigest, type Cell, type TableColumn } from './table-dataset.js';
export { datasetFromCsv, datasetFromJson, type FileDatasetOptions } from './file-dataset.js';
export { codeSource, locationSource, type DatasetSourceInfo } from './dataset-source.js';
export { toFlatArray, type ArrayData, type FlatArray, type NumericTypedArray } from './tensor-data.js';
export type { NumericDtype } from './pandas-hash.js';
