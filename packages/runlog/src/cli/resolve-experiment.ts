import { NotFoundError, type Experiment, type RunlogClient } from '@runlog/core';

/**
 * An experiment given on the command line by name or by id: a name is looked up first, then, for
 * an all-digits value, an id (so `-e Default` and `-e 0` both work, and an experiment named "7"
 * wins over the one whose id is 7). NotFoundError when neither matches.
 */
export async function resolveExperiment(client: RunlogClient, nameOrId: string): Promise<Experiment> {
  const byName = await client.getExperimentByName(nameOrId);
  if (byName) return byName;
  if (/^\d+$/.test(nameOrId)) {
    try {
      return await client.getExperiment(nameOrId);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  throw new NotFoundError(`No experiment named or numbered '${nameOrId}' at ${client.trackingUri}. List them with: runlog experiments`);
}
