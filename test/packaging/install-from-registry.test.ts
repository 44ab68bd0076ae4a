// Issue 11: runlog installed the way a user installs it. Every workspace package is published with
// `npm publish` to a real npm registry on loopback (Verdaccio, holding also the exact third-party
// versions of package-lock.json and nothing else); a new project outside the repository installs
// `runlog @tensorflow/tfjs` from it, trains with autolog() as an ES module and as CommonJS, runs the
// CLI and serves the logged model with `npx runlog serve`. With CI=true a registry that cannot
// start is a failure; elsewhere the suite is skipped with the reason.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { RegistryStartError, startLocalRegistry, type LocalRegistry } from '../../scripts/release/local-registry.js';
import { npmSandbox } from '../../scripts/release/npm-env.js';
import { seedRegistry, thirdPartyClosure } from '../../scripts/release/seed-registry.js';
import {
  createUserProject,
  installRunlog,
  lockEntriesFromElsewhere,
  npxRunlog,
  packagesResolvingOutside,
  serveAndStop,
  train,
  type TrainedRun,
  type UserProject,
} from '../../scripts/release/user-project.js';
import { publishWorkspaces, REPO_ROOT, workspacePackages, type TarballInfo } from '../../scripts/release/workspace.js';

const started = Date.now();
const work = await mkdtemp(join(tmpdir(), 'runlog-publish-'));
let registry: LocalRegistry | undefined;
let skip: string | false = false;
try {
  registry = await startLocalRegistry(join(work, 'registry'));
} catch (err) {
  if (process.env.CI === 'true' || !(err instanceof RegistryStartError)) throw err;
  skip = `loopback npm registry unavailable: ${(err as Error).message.split('\n')[0]}`;
  console.warn(`\n*** install-from-registry skipped: ${skip}\n`);
}

describe('runlog published to a registry and installed into a new project (issue 11)', { skip }, () => {
  let tarballs: TarballInfo[] = [];
  let project: UserProject | undefined;
  let esmRun: TrainedRun | undefined;

  after(async () => {
    await registry?.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('publishes every workspace package with npm publish, each tarball holding its built dist/ (JS and .d.ts)', async (t) => {
    const reg = registry!;
    const publisher = await npmSandbox(join(work, 'publisher'), reg.url, reg.authLine);
    // Ours and the third-party packages go in side by side (different names; nothing is installed
    // yet). npm is started first: the seeding reads the lock file and npm's cache synchronously.
    const [publishing, seeding] = await Promise.allSettled([
      publishWorkspaces(publisher.env),
      seedRegistry(REPO_ROOT, reg, thirdPartyClosure(REPO_ROOT, ['@tensorflow/tfjs'])),
    ]);
    if (publishing.status === 'rejected') throw publishing.reason;
    if (seeding.status === 'rejected') throw seeding.reason;
    const [published, seeded] = [publishing.value, seeding.value];
    tarballs = published.tarballs;

    const expected = workspacePackages().packages.map((p) => `${p.manifest.name}@${p.manifest.version}`).sort();
    assert.deepEqual(tarballs.map((p) => `${p.name}@${p.version}`).sort(), expected);
    for (const tarball of tarballs) {
      const files = new Set(tarball.files.map((f) => f.path));
      for (const file of ['package.json', 'dist/index.js', 'dist/index.d.ts']) assert.ok(files.has(file), `${tarball.name} tarball lacks ${file}`);
      assert.ok(![...files].some((f) => f.includes('tsbuildinfo') || f.startsWith('test/')), `${tarball.name} ships build or test files`);
    }
    const runlog = new Set(tarballs.find((p) => p.name === 'runlog')!.files.map((f) => f.path));
    assert.ok(runlog.has('bin/runlog.js') && runlog.has('dist/cli.js'), 'runlog ships its CLI');
    t.diagnostic(`seeded ${seeded.packages} third-party packages (${(seeded.bytes / 1e6).toFixed(1)} MB); npm publish --workspaces took ${published.ms} ms`);
    for (const p of tarballs) t.diagnostic(`tarball ${p.name}@${p.version}: ${p.size} B packed, ${p.unpackedSize} B unpacked, ${p.entryCount} files`);
  });

  it('installs runlog and @tensorflow/tfjs from that registry alone, into a project outside the repository', async (t) => {
    assert.ok(tarballs.length > 0, 'publishing failed');
    const sandbox = await npmSandbox(join(work, 'user-npm'), registry!.url);
    project = await createUserProject(join(work, 'my-project'), sandbox, REPO_ROOT);
    const install = await installRunlog(project);
    t.diagnostic(`npm install runlog @tensorflow/tfjs took ${install.ms} ms`);

    assert.deepEqual(packagesResolvingOutside(project), [], 'every installed package is a real folder of the project');
    assert.deepEqual(lockEntriesFromElsewhere(project), [], 'every package came from the loopback registry');
    const installed = JSON.parse(readFileSync(join(project.dir, 'node_modules', 'runlog', 'package.json'), 'utf8')) as { version: string };
    assert.equal(installed.version, tarballs[0]!.version);
    assert.ok(existsSync(join(project.dir, 'node_modules', '@runlog', 'core', 'dist', 'index.d.ts')), 'types are installed');
    assert.ok(!existsSync(join(project.dir, 'node_modules', 'onnxruntime-node')), 'optional peers are not installed uninvited');
    assert.doesNotMatch(install.stderr, /runlog|@runlog/, `npm warned about our packages:\n${install.stderr}`);
  });

  it('an ES-module training script with autolog() logs a finished run and its TF.js model to ./mlruns', async () => {
    assert.ok(project, 'install failed');
    esmRun = await train(project, 'esm');
    assert.match(esmRun.meta, /^status: 3$/m, 'run is FINISHED');
    assert.equal(esmRun.lossPoints, 5, 'one loss point per epoch');
    assert.match(esmRun.mlmodel ?? '', /^ {2}tfjs:/m, 'the model is logged with the tfjs flavor');
  });

  // The rest only reads the install and the ES-module run, so it runs at once: the served model's
  // wait for its server to start and stop overlaps the CommonJS run and the CLI runs.
  describe('the installed project, once trained', { concurrency: true }, () => {
    it('a CommonJS training script (require of runlog) logs a finished run and its model too', async () => {
      assert.ok(project, 'install failed');
      const cjsRun = await train(project, 'cjs');
      assert.notEqual(cjsRun.runId, esmRun?.runId);
      assert.match(cjsRun.meta, /^status: 3$/m);
      assert.equal(cjsRun.lossPoints, 5);
      assert.match(cjsRun.mlmodel ?? '', /^ {2}tfjs:/m);
      assert.doesNotMatch(cjsRun.stderr, /Error|could not/i, cjsRun.stderr);
    });

    it('npx runlog --version and --help run the installed CLI', async () => {
      assert.ok(project, 'install failed');
      const version = await npxRunlog(project, ['--version']);
      const { version: published } = JSON.parse(readFileSync(join(project.dir, 'node_modules', 'runlog', 'package.json'), 'utf8')) as { version: string };
      assert.equal(version.stdout.trim(), published);
      const help = await npxRunlog(project, ['--help']);
      for (const command of ['runs', 'experiments', 'models', 'serve', 'sync', 'status']) assert.match(help.stdout, new RegExp(`^\\s+${command}\\b`, 'm'));
    });

    it('npx runlog serve answers with the logged model, and SIGTERM to npx leaves no server behind', async () => {
      assert.ok(project && esmRun, 'training failed');
      const served = await serveAndStop(project, esmRun.runId, [[2], [3]]);
      assert.equal(served.status, 200, JSON.stringify(served.body));
      const predictions = Object.values((served.body as { predictions: Record<string, number[][]> }).predictions)[0]!;
      assert.equal(predictions.length, 2);
      assert.ok(predictions.every((row) => Number.isFinite(row[0])), JSON.stringify(served.body));
      assert.equal(served.stillServing, false, `the server outlived npx:\n${served.output}`);
      assert.match(served.output, /runlog serve: stopped/, served.output);
    });
  });

  it('reports the whole check', (t) => {
    t.diagnostic(`install-from-registry total ${Date.now() - started} ms`);
  });
});
