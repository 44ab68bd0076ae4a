// The tags MLflow reserves for run metadata (shown in the overview, hidden from the tags list).
import type { Run } from '../../api/types.js';

export const NOTE_TAG = 'mlflow.note.content';
export const PARENT_TAG = 'mlflow.parentRunId';

export function tag(run: Run, key: string): string | undefined {
  return run.data.tags?.find((t) => t.key === key)?.value;
}

/** Tags the user set (MLflow's `mlflow.*` system tags are shown elsewhere or not at all). */
export function userTags(run: Run): { key: string; value: string }[] {
  return (run.data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.')).sort((a, b) => a.key.localeCompare(b.key));
}

export function systemTags(run: Run): { key: string; value: string }[] {
  return (run.data.tags ?? []).filter((t) => t.key.startsWith('mlflow.') && t.key !== NOTE_TAG).sort((a, b) => a.key.localeCompare(b.key));
}
