// The model registry: every registered model with its latest versions and aliases.
import { searchRegisteredModels } from '../../api/registry.js';
import { ErrorBox, Loading } from '../../components/error-box.js';
import { formatTime } from '../../components/format.js';
import { useAsync } from '../../components/use-async.js';
import { href } from '../../router.js';

export function ModelsPage() {
  const models = useAsync(() => searchRegisteredModels(), []);
  return (
    <main class="page">
      <h1>Registered models</h1>
      {models.error ? <ErrorBox error={models.error} /> : null}
      {!models.data && !models.error ? <Loading /> : null}
      {models.data && models.data.length === 0 ? <p class="muted">No registered models.</p> : null}
      {models.data && models.data.length > 0 ? (
        <table class="list-table" aria-label="Registered models">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest version</th>
              <th>Aliases</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {models.data.map((m) => {
              const latest = [...(m.latest_versions ?? [])].sort((a, b) => Number(b.version) - Number(a.version))[0];
              return (
                <tr key={m.name}>
                  <td>
                    <a href={href(['models', m.name])}>{m.name}</a>
                  </td>
                  <td>{latest ? `v${latest.version}` : ''}</td>
                  <td>
                    {(m.aliases ?? []).map((a) => (
                      <span key={a.alias} class="badge">
                        @{a.alias} → v{a.version}
                      </span>
                    ))}
                  </td>
                  <td>{formatTime(m.last_updated_timestamp)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
