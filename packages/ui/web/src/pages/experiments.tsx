// The experiments list: every active experiment with its id and creation time, linking to its runs.
import { searchExperiments } from '../api/tracking.js';
import { ErrorBox, Loading } from '../components/error-box.js';
import { formatTime } from '../components/format.js';
import { useAsync } from '../components/use-async.js';
import { href } from '../router.js';

export function ExperimentsPage() {
  const experiments = useAsync(() => searchExperiments(), []);
  return (
    <main class="page">
      <h1>Experiments</h1>
      {experiments.error ? <ErrorBox error={experiments.error} /> : null}
      {experiments.loading && !experiments.data ? <Loading /> : null}
      {experiments.data && experiments.data.length === 0 ? <p class="muted">No experiments yet.</p> : null}
      {experiments.data && experiments.data.length > 0 ? (
        <table class="list-table" aria-label="Experiments">
          <thead>
            <tr>
              <th>Name</th>
              <th>ID</th>
              <th>Created</th>
              <th>Artifact location</th>
            </tr>
          </thead>
          <tbody>
            {[...experiments.data]
              .sort((a, b) => Number(b.creation_time ?? 0) - Number(a.creation_time ?? 0))
              .map((e) => (
                <tr key={e.experiment_id}>
                  <td>
                    <a href={href(['experiments', e.experiment_id])}>{e.name}</a>
                  </td>
                  <td>{e.experiment_id}</td>
                  <td>{formatTime(e.creation_time)}</td>
                  <td class="muted ellipsis">{e.artifact_location}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : null}
    </main>
  );
}
