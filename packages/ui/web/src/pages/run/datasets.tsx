// The run's dataset inputs: name, digest, source, context tag, schema and profile.
import type { Run } from '../../api/types.js';

function prettyJson(text: string | undefined): string {
  if (!text) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function Datasets({ run }: { run: Run }) {
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length === 0) return null;
  return (
    <section class="card" aria-labelledby="datasets-title">
      <h2 id="datasets-title">Datasets ({inputs.length})</h2>
      <table class="list-table" aria-label="Datasets">
        <thead>
          <tr>
            <th>Name</th>
            <th>Context</th>
            <th>Digest</th>
            <th>Source</th>
            <th>Schema / profile</th>
          </tr>
        </thead>
        <tbody>
          {inputs.map((input, i) => {
            const d = input.dataset;
            const context = input.tags?.find((t) => t.key === 'mlflow.data.context')?.value;
            return (
              <tr key={`${d.name}-${d.digest}-${i}`}>
                <th scope="row">{d.name}</th>
                <td>{context ?? ''}</td>
                <td>
                  <code>{d.digest}</code>
                </td>
                <td class="wrap">
                  {d.source_type ? <span class="badge">{d.source_type}</span> : null} <code class="wrap">{d.source}</code>
                </td>
                <td>
                  {d.schema || d.profile ? (
                    <details>
                      <summary>show</summary>
                      {d.schema ? <pre class="code">{prettyJson(d.schema)}</pre> : null}
                      {d.profile ? <pre class="code">{prettyJson(d.profile)}</pre> : null}
                    </details>
                  ) : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
