import { currentUser } from '@runlog/core/internal';
import type { FetchedProject } from './project-source.js';
import type { PreparedEnv } from './npm-env.js';

/** Tags runlog adds beyond MLflow's: the environment's identity. */
export const NODE_VERSION_TAG = 'runlog.project.nodeVersion';
export const LOCKFILE_DIGEST_TAG = 'runlog.project.lockfileDigest';

/**
 * The tags of a project run: the ones `mlflow run` sets (user, source name and type PROJECT, entry
 * point, git commit / repo URL / branch, parent run, backend) plus `mlflow.project.env` and
 * runlog's environment identity (Node version, lockfile digest).
 */
export function projectRunTags(args: {
  fetched: FetchedProject;
  entryPoint: string;
  env: PreparedEnv;
  parentRunId?: string | undefined;
}): Record<string, string> {
  const { fetched, env } = args;
  const tags: Record<string, string> = {
    'mlflow.user': currentUser(),
    'mlflow.source.name': fetched.sourceName,
    'mlflow.source.type': 'PROJECT',
    'mlflow.project.entryPoint': args.entryPoint,
  };
  if (fetched.git?.commit !== undefined) tags['mlflow.source.git.commit'] = fetched.git.commit;
  if (args.parentRunId !== undefined) tags['mlflow.parentRunId'] = args.parentRunId;
  if (fetched.git?.repoUrl !== undefined) {
    tags['mlflow.source.git.repoURL'] = fetched.git.repoUrl;
    // The name older MLflow releases (and UIs) read.
    tags['mlflow.gitRepoURL'] = fetched.git.repoUrl;
  }
  if (fetched.branch !== undefined) tags['mlflow.source.git.branch'] = fetched.branch;
  tags['mlflow.project.backend'] = 'local';
  tags['mlflow.project.env'] = env.manager;
  tags[NODE_VERSION_TAG] = env.nodeVersion;
  if (env.lockfileDigest !== undefined) tags[LOCKFILE_DIGEST_TAG] = env.lockfileDigest;
  return tags;
}
