import { InvalidArgumentError } from '../errors.js';
import type { RestClient } from './rest-client.js';

/**
 * Where an artifact lives on the tracking server's proxied artifact service: an artifact root URI
 * (`mlflow-artifacts:` or the server's own http URL) plus a relative path, as path segments; and
 * the Content-Type an upload is sent with.
 */

/** The decoded path segments under the artifact service for `root` + `rel`, on the tracking server `server`. */
export function artifactServiceSegments(root: string, rel: string, server: Pick<RestClient, 'origin' | 'scrubber'>): string[] {
  // The root comes from the server: scrubbed of credentials before it can enter a message.
  const shown = server.scrubber.scrub(root);
  let rootPath: string;
  if (root.startsWith('mlflow-artifacts:')) {
    // mlflow-artifacts:/<p>, or mlflow-artifacts://host:port/<p> (that host serves it; MLflow
    // uses the tracking URI's scheme). runlog only talks to its tracking server, so the host must match.
    if (root.startsWith('mlflow-artifacts://')) {
      const parsed = new URL(root.replace(/^mlflow-artifacts:/, 'http:'));
      if (parsed.host && parsed.host !== new URL(server.origin).host) {
        throw new InvalidArgumentError(
          `Artifact URI ${shown} names another server than the tracking server ${server.origin}.`,
        );
      }
      rootPath = parsed.pathname;
    } else {
      rootPath = root.slice('mlflow-artifacts:'.length);
    }
  } else if (/^https?:\/\//.test(root)) {
    const parsed = new URL(root);
    const marker = '/api/2.0/mlflow-artifacts/artifacts';
    const idx = parsed.pathname.indexOf(marker);
    if (idx < 0) throw new InvalidArgumentError(`Unsupported artifact URI ${shown}`);
    rootPath = parsed.pathname.slice(idx + marker.length);
  } else {
    throw new InvalidArgumentError(
      `Artifact URI scheme of ${JSON.stringify(shown)} is not supported by runlog yet: start the MLflow server ` +
        'with proxied artifacts (the default, --serve-artifacts).',
    );
  }
  // The root comes from a URI (percent-encoded, maybe partly): decode its segments. The relative
  // path is the user's own text: taken as it is, never decoded.
  const rootSegs = rootPath.split('/').filter(Boolean).map((seg) => safeDecode(seg));
  return [...rootSegs, ...rel.split('/').filter(Boolean)];
}

function safeDecode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.txt': 'text/plain',
  '.yaml': 'text/yaml',
  '.yml': 'text/yaml',
  '.csv': 'text/csv',
  '.png': 'image/png',
  '.html': 'text/html',
};

/** The Content-Type of an artifact upload, from its file extension. */
export function guessContentType(path: string): string {
  const dot = path.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[path.slice(dot).toLowerCase()]) || 'application/octet-stream';
}
