// The run's logged models: for each model folder among its artifacts, the flavors, the signature's
// inputs / outputs / params and the input example; plus MLflow 3 LoggedModels whose source is
// this run (when the server has them).
import { fetchArtifactText, fetchText, getLoggedModel, proxiedArtifactUrl, searchLoggedModels } from '../../api/tracking.js';
import type { LoggedModel, Run } from '../../api/types.js';
import { ErrorBox, Loading } from '../../components/error-box.js';
import { formatTime } from '../../components/format.js';
import { useAsync } from '../../components/use-async.js';
import { navigate, withQueryChanges } from '../../router.js';
import { findModelFolders, loadModelSummary, type ModelFileReader, type SpecEntry } from './mlmodel.js';

function SpecTable({ title, spec }: { title: string; spec: SpecEntry[] | undefined }) {
  if (!spec) return null;
  return (
    <div>
      <h4>{title}</h4>
      <table class="list-table" aria-label={title}>
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Shape / required</th>
          </tr>
        </thead>
        <tbody>
          {spec.map((s, i) => (
            <tr key={i}>
              <td>{s.name ?? <em class="muted">(unnamed)</em>}</td>
              <td>
                <code>{s.type}</code>
              </td>
              <td>{s.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function InputExample({ read, path }: { read: ModelFileReader; path: string }) {
  const text = useAsync(() => read(path), [path]);
  if (text.error) return <ErrorBox error={text.error} />;
  if (text.data === undefined) return <Loading />;
  let shown = text.data;
  try {
    shown = JSON.stringify(JSON.parse(text.data), null, 2);
  } catch {
    // shown as is
  }
  return <pre class="code">{shown.length > 20_000 ? `${shown.slice(0, 20_000)}\n…` : shown}</pre>;
}

/** A reader of a model folder under the run's artifacts. */
function runFolderReader(runId: string, folder: string): ModelFileReader {
  return (rel) => fetchArtifactText(runId, folder ? `${folder}/${rel}` : rel);
}

function ModelCard({ title, read, filesPath }: { title: string; read: ModelFileReader; filesPath?: string }) {
  const summary = useAsync(() => loadModelSummary(title, read), [title]);
  if (summary.error) return <ErrorBox error={summary.error} title={title} />;
  const s = summary.data;
  if (!s) return <Loading />;
  return (
    <article class="card model-card" data-testid="logged-model">
      <div class="card-head">
        <h3>{title}</h3>
        {s.flavors.map((f) => (
          <span key={f} class="badge">
            {f}
          </span>
        ))}
        {filesPath !== undefined ? (
          <button type="button" onClick={() => navigate(withQueryChanges({ tab: 'artifacts', path: filesPath }))}>
            Files
          </button>
        ) : null}
      </div>
      {s.modelId ? (
        <p class="muted">
          model id <code>{s.modelId}</code>
        </p>
      ) : null}
      {s.inputs || s.outputs ? (
        <div class="signature">
          <SpecTable title="Signature inputs" spec={s.inputs} />
          <SpecTable title="Signature outputs" spec={s.outputs} />
          <SpecTable title="Params" spec={s.params} />
        </div>
      ) : (
        <p class="muted">No signature.</p>
      )}
      {s.inputExamplePath ? (
        <details>
          <summary>Input example</summary>
          <InputExample read={read} path={s.inputExamplePath} />
        </details>
      ) : null}
    </article>
  );
}

/** The run's MLflow 3 LoggedModels: those it outputs and those whose source it is. A server without
 *  the routes answers 404, which just means there are none to show. */
async function runLoggedModels(run: Run): Promise<LoggedModel[]> {
  const found = new Map<string, LoggedModel>();
  const searched = await searchLoggedModels(run.info.experiment_id, run.info.run_id).catch(() => []);
  for (const m of searched) found.set(m.info.model_id, m);
  const outputs = (run.outputs?.model_outputs ?? []).filter((o) => !found.has(o.model_id));
  const fetched = await Promise.all(outputs.map((o) => getLoggedModel(o.model_id).catch(() => undefined)));
  for (const m of fetched) if (m) found.set(m.info.model_id, m);
  return [...found.values()];
}

export function LoggedModels({ run }: { run: Run }) {
  const folders = useAsync(() => findModelFolders(run), [run.info.run_id]);
  const logged = useAsync(() => runLoggedModels(run), [run.info.run_id]);
  const readable = (logged.data ?? []).filter((m) => proxiedArtifactUrl(m.info.artifact_uri, 'MLmodel') !== undefined);
  return (
    <section aria-label="Logged models">
      {folders.error ? <ErrorBox error={folders.error} /> : null}
      {!folders.data && !folders.error ? <Loading what="models" /> : null}
      {readable.map((m) => (
        <ModelCard
          key={m.info.model_id}
          title={`${m.info.name} (${m.info.model_id})`}
          read={(rel) => fetchText(proxiedArtifactUrl(m.info.artifact_uri, rel)!)}
        />
      ))}
      {folders.data?.map((f) => (
        <ModelCard key={f} title={f || '(run root)'} read={runFolderReader(run.info.run_id, f)} filesPath={f ? `${f}/MLmodel` : 'MLmodel'} />
      ))}
      {logged.data && logged.data.length > 0 ? (
        <div class="card">
          <h3>Logged models (MLflow 3)</h3>
          <table class="list-table" aria-label="Logged models">
            <thead>
              <tr>
                <th>Name</th>
                <th>Model id</th>
                <th>Type</th>
                <th>Status</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {logged.data.map((m) => (
                <tr key={m.info.model_id}>
                  <td>{m.info.name}</td>
                  <td>
                    <code>{m.info.model_id}</code>
                  </td>
                  <td>{m.info.model_type ?? ''}</td>
                  <td>{(m.info.status ?? '').replace('LOGGED_MODEL_', '').toLowerCase()}</td>
                  <td>{formatTime(m.info.creation_timestamp_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {folders.data && folders.data.length === 0 && (logged.data?.length ?? 0) === 0 ? <p class="muted">No logged models.</p> : null}
    </section>
  );
}
