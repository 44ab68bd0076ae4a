// The app shell: a header (where the data comes from, read-only badge, navigation) and the page the
// hash route names.
import { ExperimentsPage } from './pages/experiments.js';
import { RunsPage } from './pages/runs/runs-page.js';
import { RunPage } from './pages/run/run-page.js';
import { ModelsPage } from './pages/registry/models-page.js';
import { ModelPage } from './pages/registry/model-page.js';
import { ComparePage } from './pages/compare.js';
import { route } from './router.js';
import { serverInfo, serverInfoError } from './server-info.js';

function Header() {
  const info = serverInfo.value;
  const top = route.value.segments[0] ?? 'experiments';
  return (
    <header class="app-header">
      <a class="brand" href="#/">
        runlog
      </a>
      <nav aria-label="Main">
        <a href="#/" aria-current={top === 'experiments' || top === 'runs' ? 'page' : undefined}>
          Experiments
        </a>
        <a href="#/models" aria-current={top === 'models' ? 'page' : undefined}>
          Models
        </a>
      </nav>
      <div class="source" data-testid="tracking-uri">
        {info ? (
          <>
            <span class="mode">{info.mode === 'local' ? 'local store' : 'server'}</span>
            <code title={info.trackingUri}>{info.trackingUri}</code>
            {info.readOnly ? <span class="badge badge-readonly">read-only</span> : null}
          </>
        ) : serverInfoError.value ? (
          <span class="muted" title={serverInfoError.value}>server info unavailable</span>
        ) : null}
      </div>
    </header>
  );
}

function CurrentPage() {
  const { segments, query } = route.value;
  const [top, id] = segments;
  if (top === undefined || (top === 'experiments' && id === undefined)) return <ExperimentsPage />;
  if (top === 'experiments' && id !== undefined) return <RunsPage experimentId={id} query={query} />;
  if (top === 'runs' && id !== undefined) return <RunPage runId={id} query={query} />;
  if (top === 'models' && id === undefined) return <ModelsPage />;
  if (top === 'models' && id !== undefined) return <ModelPage name={id} />;
  if (top === 'compare') return <ComparePage runIds={(query.get('runs') ?? '').split(',').filter(Boolean)} />;
  return (
    <main class="page">
      <h1>Not found</h1>
      <p>
        No page at <code>{location.hash}</code>. <a href="#/">Experiments</a>
      </p>
    </main>
  );
}

export function App() {
  return (
    <>
      <Header />
      <CurrentPage />
    </>
  );
}
