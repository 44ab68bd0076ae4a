#!/usr/bin/env node
// The `runlog` command. A committed file, so that npm links the command at install time; it runs
// the compiled CLI (built by `npm run build` in the repository, shipped in dist/ by every package).
try {
  // Under `npx runlog`, a SIGTERM to npm must still stop a long-running command (see launcher-watch).
  const { stopWhenLauncherExits } = await import('../dist/launcher-watch.js');
  stopWhenLauncherExits();
  await import('../dist/cli.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && /runlog[\\/]dist[\\/]/.test(String(err.message))) {
    console.error('runlog: the CLI is not built yet; run `npm run build` in the repository first.');
    process.exit(2);
  }
  throw err;
}
