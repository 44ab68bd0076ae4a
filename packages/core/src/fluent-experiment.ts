import type { Experiment } from './entities.js';
import { InvalidArgumentError } from './errors.js';
import { fluentState, getClient } from './fluent-state.js';

/**
 * Experiment selection for the fluent API: setExperiment(), and which experiment a new run goes
 * to (an explicit id or name, the active experiment, MLFLOW_EXPERIMENT_ID/_NAME, else '0').
 */

/** Creates an experiment and resolves to its id; InvalidArgumentError for a bad name. */
export async function createExperiment(name: string, opts?: { artifactLocation?: string; tags?: Record<string, string> }): Promise<string> {
  return getClient().createExperiment(name, opts);
}

/** The experiment of that name, or null when there is none. */
export async function getExperimentByName(name: string): Promise<Experiment | null> {
  return getClient().getExperimentByName(name);
}

/** Makes `name` the experiment for new runs, creating it if needed. Resolves the experiment. */
export async function setExperiment(name: string): Promise<Experiment> {
  const exp = await getOrCreateExperiment(name);
  fluentState.activeExperimentId = exp.experimentId;
  fluentState.activeExperimentName = name;
  return exp;
}

/**
 * With a journaled tracking server that does not answer, an experiment is known by name only: its
 * id is '' until the server answers, and runs started meanwhile are created in it then.
 */
function offlineExperiment(name: string): Experiment {
  return { experimentId: '', name, artifactLocation: '', lifecycleStage: 'active', tags: {} };
}

async function getOrCreateExperiment(name: string): Promise<Experiment> {
  const client = getClient();
  let found: Experiment | null;
  const failover = client.store.capabilities?.failover;
  if (failover !== undefined) {
    // One bounded attempt: a server that is away must not hold up the start of training.
    const looked = await failover.lookupExperimentOnce(name);
    if (looked === 'offline') return offlineExperiment(name);
    found = looked;
  } else found = await client.getExperimentByName(name);
  if (found) {
    if (found.lifecycleStage === 'deleted') {
      throw new InvalidArgumentError(`Experiment '${name}' is deleted; restore it or choose another name.`);
    }
    return found;
  }
  try {
    await client.createExperiment(name);
  } catch (err) {
    // Another process may have created it between our lookup and create.
    const again = await client.getExperimentByName(name);
    if (again) return again;
    throw err;
  }
  const created = await client.getExperimentByName(name);
  if (!created) throw new InvalidArgumentError(`Experiment '${name}' could not be created.`);
  return created;
}

/** The experiment for a new run: its id, or '' with its name while the server is away (see offlineExperiment). */
export async function resolveExperiment(opts: { experimentId?: string | undefined; experimentName?: string | undefined }): Promise<{ id: string; name?: string }> {
  if (opts.experimentId !== undefined) return { id: opts.experimentId };
  if (opts.experimentName !== undefined) return { id: (await getOrCreateExperiment(opts.experimentName)).experimentId, name: opts.experimentName };
  const state = fluentState;
  if (state.activeExperimentId === '' && state.activeExperimentName !== undefined) {
    // Set while the server was away: look again, it may be back.
    state.activeExperimentId = (await getOrCreateExperiment(state.activeExperimentName)).experimentId;
    return { id: state.activeExperimentId, name: state.activeExperimentName };
  }
  if (state.activeExperimentId !== undefined) return { id: state.activeExperimentId };
  if (process.env.MLFLOW_EXPERIMENT_ID) return { id: process.env.MLFLOW_EXPERIMENT_ID };
  const envName = process.env.MLFLOW_EXPERIMENT_NAME;
  if (envName) return { id: (await getOrCreateExperiment(envName)).experimentId, name: envName };
  return { id: '0' };
}
