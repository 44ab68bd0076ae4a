// The run's tags: the user's own, editable (set, change, delete) unless read-only, and MLflow's
// system tags folded away below.
import { useState } from 'preact/hooks';
import { deleteRunTag, setRunTag } from '../../api/tracking.js';
import type { Run } from '../../api/types.js';
import { ErrorBox } from '../../components/error-box.js';
import { KeyValueTable } from '../../components/key-value-table.js';
import { isReadOnly } from '../../server-info.js';
import { systemTags, userTags } from './run-tags.js';

export function TagsEditor({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const readOnly = isReadOnly();
  const done = () => {
    setError(undefined);
    onChanged();
  };
  const tags = userTags(run);
  const system = systemTags(run);
  return (
    <section class="card" aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      <KeyValueTable
        label="Tags"
        empty="No tags."
        rows={tags.map((t) => ({
          key: t.key,
          value: t.value,
          actions: (
            <button
              type="button"
              class="icon"
              aria-label={`Delete tag ${t.key}`}
              title="Delete tag"
              disabled={readOnly}
              onClick={() => deleteRunTag(run.info.run_id, t.key).then(done, setError)}
            >
              ×
            </button>
          ),
        }))}
      />
      <form
        class="tag-form"
        onSubmit={(e) => {
          e.preventDefault();
          setRunTag(run.info.run_id, key.trim(), value).then(() => {
            setKey('');
            setValue('');
            done();
          }, setError);
        }}
      >
        <input aria-label="Tag key" placeholder="key" value={key} disabled={readOnly} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        <input aria-label="Tag value" placeholder="value" value={value} disabled={readOnly} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={readOnly || !key.trim()}>
          Set tag
        </button>
      </form>
      {error ? <ErrorBox error={error} title="Not saved" /> : null}
      {system.length > 0 ? (
        <details class="system-tags">
          <summary>System tags ({system.length})</summary>
          <KeyValueTable label="System tags" rows={system.map((t) => ({ key: t.key, value: t.value }))} />
        </details>
      ) : null}
    </section>
  );
}
