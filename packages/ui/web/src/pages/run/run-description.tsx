// The run's description (the `mlflow.note.content` tag), editable unless the server is read-only.
import { useState } from 'preact/hooks';
import { setRunTag } from '../../api/tracking.js';
import type { Run } from '../../api/types.js';
import { ErrorBox } from '../../components/error-box.js';
import { isReadOnly } from '../../server-info.js';
import { NOTE_TAG, tag } from './run-tags.js';

export function RunDescription({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const text = tag(run, NOTE_TAG) ?? '';
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const readOnly = isReadOnly();
  const save = () => {
    setRunTag(run.info.run_id, NOTE_TAG, editing ?? '').then(
      () => {
        setEditing(undefined);
        setError(undefined);
        onChanged();
      },
      setError,
    );
  };
  return (
    <section class="card" aria-labelledby="description-title">
      <div class="card-head">
        <h2 id="description-title">Description</h2>
        {editing === undefined ? (
          <button type="button" disabled={readOnly} onClick={() => setEditing(text)} title={readOnly ? 'read-only' : undefined}>
            Edit
          </button>
        ) : null}
      </div>
      {editing === undefined ? (
        text ? <p class="description">{text}</p> : <p class="muted">No description.</p>
      ) : (
        <div class="editor">
          <textarea
            aria-label="Description"
            rows={5}
            value={editing}
            onInput={(e) => setEditing((e.target as HTMLTextAreaElement).value)}
          />
          <div class="row-buttons">
            <button type="button" class="primary" onClick={save}>
              Save
            </button>
            <button type="button" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {error ? <ErrorBox error={error} title="Not saved" /> : null}
    </section>
  );
}
