// The run's artifact browser: a tree that lists a folder when it is opened, and a preview of the
// chosen file. The chosen path is in the URL (`?tab=artifacts&path=…`), so a preview is a link.
import { useState } from 'preact/hooks';
import { listArtifacts } from '../../api/tracking.js';
import type { ArtifactFile } from '../../api/types.js';
import { ErrorBox, Loading } from '../../components/error-box.js';
import { useAsync } from '../../components/use-async.js';
import { navigate, withQueryChanges } from '../../router.js';
import { ArtifactPreview } from './artifact-preview.js';

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function Folder({
  runId,
  path,
  selected,
  onSelect,
}: {
  runId: string;
  path: string;
  selected: string | undefined;
  onSelect: (file: ArtifactFile) => void;
}) {
  const listing = useAsync(() => listArtifacts(runId, path), [runId, path]);
  // folders on the way to the selected file start open
  const [open, setOpen] = useState<ReadonlySet<string>>(
    () => new Set(selected ? selected.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/')) : []),
  );
  if (listing.error) return <ErrorBox error={listing.error} />;
  if (!listing.data) return <Loading />;
  if (listing.data.length === 0 && path === '') return <p class="muted">No artifacts.</p>;
  const files = [...listing.data].sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
  return (
    <ul role={path === '' ? 'tree' : 'group'} aria-label={path === '' ? 'Artifacts' : undefined} class="tree">
      {files.map((f) => {
        if (f.is_dir) {
          const isOpen = open.has(f.path);
          return (
            <li key={f.path} role="treeitem" aria-expanded={isOpen}>
              <button
                type="button"
                class="tree-item"
                onClick={() => {
                  const next = new Set(open);
                  if (isOpen) next.delete(f.path);
                  else next.add(f.path);
                  setOpen(next);
                }}
              >
                {isOpen ? '▾' : '▸'} {baseName(f.path)}/
              </button>
              {isOpen ? <Folder runId={runId} path={f.path} selected={selected} onSelect={onSelect} /> : null}
            </li>
          );
        }
        return (
          <li key={f.path} role="treeitem" aria-selected={selected === f.path}>
            <button
              type="button"
              class={`tree-item ${selected === f.path ? 'selected' : ''}`}
              data-path={f.path}
              onClick={() => onSelect(f)}
            >
              {baseName(f.path)}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function ArtifactBrowser({ runId, path }: { runId: string; path: string | undefined }) {
  // the file's size comes from its listing; a deep link knows only the path until then
  const [file, setFile] = useState<ArtifactFile | undefined>(undefined);
  const current = path ? (file?.path === path ? file : { path, is_dir: false }) : undefined;
  return (
    <section class="card artifacts" aria-label="Artifacts">
      <div class="artifact-tree">
        <Folder
          runId={runId}
          path=""
          selected={path}
          onSelect={(f) => {
            setFile(f);
            navigate(withQueryChanges({ path: f.path }));
          }}
        />
      </div>
      <div class="artifact-view">
        {current ? <ArtifactPreview runId={runId} file={current} /> : <p class="muted">Choose a file to preview it.</p>}
      </div>
    </section>
  );
}
