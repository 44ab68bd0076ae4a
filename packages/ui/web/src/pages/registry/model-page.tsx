// One registered model: description, aliases (set and removed here unless read-only), and its
// versions with stage, status and lineage back to the run that produced each.
import { useState } from 'preact/hooks';
import { deleteAlias, getRegisteredModel, searchModelVersions, setAlias } from '../../api/registry.js';
import { ErrorBox, Loading } from '../../components/error-box.js';
import { formatTime } from '../../components/format.js';
import { useAsync } from '../../components/use-async.js';
import { href } from '../../router.js';
import { isReadOnly } from '../../server-info.js';

export function ModelPage({ name }: { name: string }) {
  const model = useAsync(() => getRegisteredModel(name), [name]);
  const versions = useAsync(() => searchModelVersions(name), [name]);
  const [alias, setAliasName] = useState('');
  const [version, setVersion] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const readOnly = isReadOnly();
  const changed = () => {
    setError(undefined);
    model.reload();
    versions.reload();
  };
  return (
    <main class="page">
      <nav class="crumbs" aria-label="Breadcrumb">
        <a href="#/models">Models</a> / <span>{name}</span>
      </nav>
      <h1>{name}</h1>
      {model.error ? <ErrorBox error={model.error} /> : null}
      {model.data?.description ? <p class="description">{model.data.description}</p> : null}
      <section class="card" aria-labelledby="aliases-title">
        <h2 id="aliases-title">Aliases</h2>
        {(model.data?.aliases ?? []).length === 0 ? <p class="muted">No aliases.</p> : null}
        <ul class="alias-list">
          {(model.data?.aliases ?? []).map((a) => (
            <li key={a.alias}>
              <span class="badge">@{a.alias}</span> → v{a.version}{' '}
              <button type="button" class="icon" aria-label={`Remove alias ${a.alias}`} disabled={readOnly} onClick={() => deleteAlias(name, a.alias).then(changed, setError)}>
                ×
              </button>
            </li>
          ))}
        </ul>
        <form
          class="tag-form"
          onSubmit={(e) => {
            e.preventDefault();
            setAlias(name, alias.trim(), version).then(() => {
              setAliasName('');
              changed();
            }, setError);
          }}
        >
          <input aria-label="Alias" placeholder="alias (e.g. champion)" value={alias} disabled={readOnly} onInput={(e) => setAliasName((e.target as HTMLInputElement).value)} />
          <select aria-label="Version" value={version} disabled={readOnly} onChange={(e) => setVersion((e.target as HTMLSelectElement).value)}>
            <option value="">version…</option>
            {(versions.data ?? []).map((v) => (
              <option key={v.version} value={v.version}>
                v{v.version}
              </option>
            ))}
          </select>
          <button type="submit" disabled={readOnly || !alias.trim() || !version}>
            Set alias
          </button>
        </form>
        {error ? <ErrorBox error={error} title="Not saved" /> : null}
      </section>
      <section class="card" aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {versions.error ? <ErrorBox error={versions.error} /> : null}
        {!versions.data && !versions.error ? <Loading /> : null}
        {versions.data ? (
          <table class="list-table" aria-label="Versions">
            <thead>
              <tr>
                <th>Version</th>
                <th>Stage</th>
                <th>Status</th>
                <th>Aliases</th>
                <th>Created</th>
                <th>Source run</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {versions.data.map((v) => (
                <tr key={v.version}>
                  <td>v{v.version}</td>
                  <td>{v.current_stage && v.current_stage !== 'None' ? <span class="badge">{v.current_stage}</span> : ''}</td>
                  <td>{(v.status ?? '').toLowerCase().replace(/_/g, ' ')}</td>
                  <td>
                    {(v.aliases ?? []).map((a) => (
                      <span key={a} class="badge">
                        @{a}
                      </span>
                    ))}
                  </td>
                  <td>{formatTime(v.creation_timestamp)}</td>
                  <td>{v.run_id ? <a href={href(['runs', v.run_id], { tab: 'models' })}>{v.run_id.slice(0, 12)}</a> : ''}</td>
                  <td class="muted wrap">
                    <code>{v.source}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </main>
  );
}
