/**
 * The artifact URI a local run is served with. A run whose artifacts live inside the store gets
 * `mlflow-artifacts:/<path under the store>`, so that MLflow clients (Python's MlflowClient,
 * runlog's RestStore) fetch them through this server's artifact proxy, as from an `mlflow server`;
 * any other artifact root is answered unchanged.
 */
import { relative, sep, isAbsolute } from 'node:path';
import { localPathFromUri } from '@runlog/core/internal';

export function servedArtifactUri(rootDir: string, artifactUri: string): string {
  const local = localPathFromUri(artifactUri);
  if (local === null) return artifactUri;
  const rel = relative(rootDir, local);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return artifactUri;
  return `mlflow-artifacts:/${rel.split(sep).join('/')}`;
}
