/**
 * @runlog/projects: `runlog run` — an MLproject's entry point (from a folder or a git repository)
 * run as a tracked run, the way `mlflow run` does it, with npm environments cached per lockfile
 * and parameter sweeps as nested runs.
 *
 * @module @runlog/projects
 */
export { run, prepareProject, launchRun, type RunProjectOptions, type ProjectSourceOptions, type PreparedProject } from './run-project.js';
export { SubmittedRun, CANCEL_GRACE_MS, type RunOutcome } from './submitted-run.js';
export { loadProject, getEntryPoint, type ProjectSpec, type EntryPointSpec, type ParameterSpec, type ParameterType } from './project-spec.js';
export { parseParameterArgs, checkParameters, resolveParameters, formatCommand, type UserParameters, type ResolvedParameters } from './parameters.js';
export { shellQuote } from './shell-quote.js';
export { fetchProject, type FetchedProject } from './project-source.js';
export { prepareEnv, defaultEnvCacheDir, type EnvManager, type PreparedEnv } from './npm-env.js';
export { projectRunTags, NODE_VERSION_TAG, LOCKFILE_DIGEST_TAG } from './project-tags.js';
export { Sweep, runSweep, SWEEP_ID_TAG, SWEEP_ROLE_TAG, SWEEP_COMBO_TAG, SWEEP_BEST_RUN_TAG, type SweepOptions, type SweepChild, type SweepResult } from './sweep.js';
export { sweepSpace, sweepCombinations, type SweepMode, type SweepSpace } from './sweep-space.js';
