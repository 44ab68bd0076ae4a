/**
 * Warnings of the local store about damaged files it read past (a line torn by a crash, an empty
 * file). One process warning per file and kind, through process.emitWarning (listeners of
 * 'warning' see them; Node prints them to stderr unless --no-warnings): never an exception, so one
 * damaged file never fails the reading of a whole experiment.
 */

const warned = new Set<string>();

/** Codes of the warnings, for `process.on('warning')` listeners. */
export type StoreWarningCode = 'RUNLOG_TORN_LINE' | 'RUNLOG_EMPTY_METRIC_FILE' | 'RUNLOG_CORRUPT_RUN_SKIPPED' | 'RUNLOG_TORN_LINE_REPAIRED' | 'RUNLOG_DATASET_MISSING';

export function warnOnce(code: StoreWarningCode, file: string, message: string): void {
  const key = `${code}\0${file}`;
  if (warned.has(key)) return;
  if (warned.size >= 10_000) warned.clear();
  warned.add(key);
  process.emitWarning(message, { type: 'RunlogWarning', code });
}
