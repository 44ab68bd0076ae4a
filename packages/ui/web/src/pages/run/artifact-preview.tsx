// Previews one artifact by its kind: images inline, JSON pretty-printed, CSV/TSV as a table, YAML,
// MLmodel, logs and other text as text. Files too large to preview get a download link only.
import { artifactUrl, fetchArtifactText } from '../../api/tracking.js';
import type { ArtifactFile } from '../../api/types.js';
import { ErrorBox, Loading } from '../../components/error-box.js';
import { formatBytes, toNumber } from '../../components/format.js';
import { useAsync } from '../../components/use-async.js';
import { parseCsv } from './csv.js';

/** Text larger than this is not fetched for preview (the download link still works). */
export const MAX_TEXT_PREVIEW_BYTES = 2 * 1024 * 1024;

export type PreviewKind = 'image' | 'json' | 'csv' | 'tsv' | 'yaml' | 'text' | 'none';

const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp|avif)$/i;
const TEXT = /\.(txt|log|md|py|ts|js|sh|toml|ini|cfg|conf|html|xml|rst|ipynb|diff|patch|env|out|err)$/i;
const TEXT_NAMES = /(^|\/)(MLmodel|MLproject|requirements\.txt|Dockerfile|LICENSE|README)$/;

export function previewKind(path: string): PreviewKind {
  if (IMAGE.test(path)) return 'image';
  if (/\.json$/i.test(path)) return 'json';
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.tsv$/i.test(path)) return 'tsv';
  if (/\.ya?ml$/i.test(path) || /(^|\/)(MLmodel|MLproject)$/.test(path)) return 'yaml';
  if (TEXT.test(path) || TEXT_NAMES.test(path)) return 'text';
  return 'none';
}

function TextPreview({ runId, file, kind }: { runId: string; file: ArtifactFile; kind: Exclude<PreviewKind, 'image' | 'none'> }) {
  const text = useAsync(() => fetchArtifactText(runId, file.path), [runId, file.path]);
  if (text.error) return <ErrorBox error={text.error} />;
  if (text.data === undefined) return <Loading />;
  if (kind === 'csv' || kind === 'tsv') {
    const { rows, truncated } = parseCsv(text.data, kind === 'csv' ? ',' : '\t');
    const [head, ...body] = rows;
    return (
      <div class="csv-preview">
        <table class="list-table" aria-label={`Preview of ${file.path}`}>
          {head ? (
            <thead>
              <tr>
                {head.map((h, i) => (
                  <th key={i}>{h}</th>
                ))}
              </tr>
            </thead>
          ) : null}
          <tbody>
            {body.map((r, i) => (
              <tr key={i}>
                {r.map((cell, j) => (
                  <td key={j}>{cell}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        {truncated ? <p class="muted">First {rows.length} rows shown.</p> : null}
      </div>
    );
  }
  let shown = text.data;
  if (kind === 'json') {
    try {
      shown = JSON.stringify(JSON.parse(text.data), null, 2);
    } catch {
      // not valid JSON: show it as it is
    }
  }
  return (
    <pre class="code" data-testid="artifact-text">
      {shown}
    </pre>
  );
}

export function ArtifactPreview({ runId, file }: { runId: string; file: ArtifactFile }) {
  const url = artifactUrl(runId, file.path);
  const kind = previewKind(file.path);
  const size = toNumber(file.file_size);
  const tooLarge = kind !== 'image' && size !== undefined && size > MAX_TEXT_PREVIEW_BYTES;
  return (
    <div class="artifact-preview" data-testid="artifact-preview">
      <div class="card-head">
        <h3 class="wrap">{file.path}</h3>
        <span class="muted">{formatBytes(file.file_size)}</span>
        <a class="button" href={url} download={file.path.split('/').pop()}>
          Download
        </a>
      </div>
      {kind === 'image' ? (
        <img class="image-preview" src={url} alt={file.path} />
      ) : kind === 'none' ? (
        <p class="muted">No preview for this kind of file.</p>
      ) : tooLarge ? (
        <p class="muted">Too large to preview ({formatBytes(size)}).</p>
      ) : (
        <TextPreview key={file.path} runId={runId} file={file} kind={kind} />
      )}
    </div>
  );
}
