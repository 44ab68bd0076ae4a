// The run page's title with its writes: rename, delete and restore (disabled when read-only).
import { useState } from 'preact/hooks';
import { deleteRun, renameRun, restoreRun } from '../../api/tracking.js';
import type { Run } from '../../api/types.js';
import { ErrorBox } from '../../components/error-box.js';
import { StatusBadge } from '../../components/status-badge.js';
import { isReadOnly } from '../../server-info.js';

export function RunHeader({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const [name, setName] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const readOnly = isReadOnly();
  const deleted = run.info.lifecycle_stage === 'deleted';
  const act = (write: Promise<void>) =>
    write.then(
      () => {
        setError(undefined);
        setName(undefined);
        onChanged();
      },
      setError,
    );
  return (
    <div class="run-header">
      {name === undefined ? (
        <h1>
          {run.info.run_name || run.info.run_id} <StatusBadge status={run.info.status} deleted={deleted} />
        </h1>
      ) : (
        <form
          class="rename"
          onSubmit={(e) => {
            e.preventDefault();
            void act(renameRun(run.info.run_id, name.trim()));
          }}
        >
          <input aria-label="Run name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button type="submit" class="primary" disabled={!name.trim()}>
            Save
          </button>
          <button type="button" onClick={() => setName(undefined)}>
            Cancel
          </button>
        </form>
      )}
      <div class="row-buttons">
        <button type="button" disabled={readOnly || name !== undefined} onClick={() => setName(run.info.run_name ?? '')}>
          Rename
        </button>
        {deleted ? (
          <button type="button" disabled={readOnly} onClick={() => void act(restoreRun(run.info.run_id))}>
            Restore
          </button>
        ) : (
          <button
            type="button"
            class="danger"
            disabled={readOnly}
            onClick={() => {
              if (confirm(`Delete run ${run.info.run_name ?? run.info.run_id}? It can be restored later.`)) {
                void act(deleteRun(run.info.run_id));
              }
            }}
          >
            Delete
          </button>
        )}
      </div>
      {error ? <ErrorBox error={error} title="Not saved" /> : null}
    </div>
  );
}
