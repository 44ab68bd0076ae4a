import type { Metric } from '../entities.js';
import { parsePythonFloat, parsePythonInt, pyFloatRepr } from '../py/float-repr.js';

/**
 * One line of a FileStore metric file: `<timestamp_ms> <python float> <step>\n`, with
 * ` <dataset name> <dataset digest>` before the newline for a point computed on a dataset.
 */
export function formatMetricLine(m: Pick<Metric, 'value' | 'timestamp' | 'step' | 'datasetName' | 'datasetDigest'>): string {
  if (m.datasetName !== undefined && m.datasetDigest !== undefined) {
    return `${m.timestamp} ${pyFloatRepr(m.value)} ${m.step} ${m.datasetName} ${m.datasetDigest}\n`;
  }
  return `${m.timestamp} ${pyFloatRepr(m.value)} ${m.step}\n`;
}

/**
 * Parses one metric line as MLflow's FileStore does: fields split on single spaces after
 * stripping; 2 fields (step 0), 3 fields, or 5 (with dataset name and digest). Returns the reason
 * when the line is malformed.
 */
export function parseMetricLine(line: string): { timestamp: number; value: number; step: number } | string {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3 && parts.length !== 5) {
    return `it has ${parts.length} field(s); expected 2, 3 or 5`;
  }
  const timestamp = parsePythonInt(parts[0]!);
  const value = parsePythonFloat(parts[1]!);
  // MLflow 3.18 reads step 0 from 5-field lines (a quirk); the stored step is the better answer.
  const step = parts.length >= 3 ? parsePythonInt(parts[2]!) : 0;
  if (timestamp === undefined) return `bad timestamp ${JSON.stringify(parts[0])}`;
  if (value === undefined) return `bad value ${JSON.stringify(parts[1])}`;
  if (step === undefined) return `bad step ${JSON.stringify(parts[2])}`;
  return { timestamp, value, step };
}
