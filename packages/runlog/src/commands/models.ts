import type { Command } from 'commander';
import { RunlogClient, type ModelVersion, type RegisteredModel } from '@runlog/core';
import { integerAtLeast } from '../cli/option-parsers.js';
import { formatTable, formatTime } from '../cli/table.js';

interface ModelsOptions {
  trackingUri?: string;
  registryUri?: string;
  filter?: string;
  maxResults: number;
  json?: boolean;
}

/**
 * `runlog models`: registered models with their versions and aliases; `runlog models <name>`: the
 * versions of one model (stage, status, aliases, source run).
 */
export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .argument('[name]', 'a registered model: list its versions')
    .description('list registered models with their versions and aliases, or the versions of one model')
    .option('--tracking-uri <uri>', 'tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--registry-uri <uri>', 'model registry URI (default: MLFLOW_REGISTRY_URI, else the tracking URI)')
    .option('-f, --filter <filter>', 'MLflow registered-model filter, e.g. "name LIKE \'iris%\'"')
    .option('-n, --max-results <n>', 'most models (or versions) to list', integerAtLeast(1), 100)
    .option('--json', 'print JSON instead of a table')
    .action(async (name: string | undefined, opts: ModelsOptions) => {
      const client = new RunlogClient({ trackingUri: opts.trackingUri, registryUri: opts.registryUri, durability: 'memory' });
      try {
        if (name !== undefined) await printVersions(client, name, opts);
        else await printModels(client, opts);
      } finally {
        await client.close();
      }
    });
}

async function printModels(client: RunlogClient, opts: ModelsOptions): Promise<void> {
  const page = await client.searchRegisteredModels({ filter: opts.filter, maxResults: opts.maxResults });
  const models: Array<RegisteredModel & { versions: ModelVersion[] }> = [];
  for (const m of page.items) models.push({ ...m, versions: await allVersions(client, m.name, opts.maxResults) });
  if (opts.json) {
    console.log(JSON.stringify(models, null, 2));
    return;
  }
  if (models.length === 0) {
    console.log('No registered models.');
    return;
  }
  const rows = models.map((m) => [
    m.name,
    m.versions.map((v) => v.version).join(', ') || '-',
    Object.entries(m.aliases)
      .map(([alias, version]) => `${alias}→${version}`)
      .join(', ') || '-',
    formatTime(m.lastUpdatedTimestamp ?? m.creationTimestamp),
  ]);
  console.log(formatTable(['NAME', 'VERSIONS', 'ALIASES', 'UPDATED'], rows));
}

async function printVersions(client: RunlogClient, name: string, opts: ModelsOptions): Promise<void> {
  await client.getRegisteredModel(name); // NotFoundError names the model when it is not registered
  const versions = await allVersions(client, name, opts.maxResults);
  if (opts.json) {
    console.log(JSON.stringify(versions, null, 2));
    return;
  }
  const rows = versions.map((v) => [v.version, v.currentStage, v.status, v.aliases.join(', ') || '-', formatTime(v.creationTimestamp), v.runId ?? '-', v.source]);
  console.log(`model ${name}: ${versions.length} version(s)`);
  if (rows.length) console.log(formatTable(['VERSION', 'STAGE', 'STATUS', 'ALIASES', 'CREATED', 'RUN ID', 'SOURCE'], rows));
}

/** The versions of one model, newest first. */
async function allVersions(client: RunlogClient, name: string, maxResults: number): Promise<ModelVersion[]> {
  const page = await client.searchModelVersions({ filter: `name = '${name.replace(/'/g, "\\'")}'`, maxResults });
  return [...page.items].sort((a, b) => Number(b.version) - Number(a.version));
}
