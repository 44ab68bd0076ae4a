#!/usr/bin/env node
// The `runlog` command. A committed file, so that npm links the command at install time; it runs
// the compiled CLI, which `npm run build` (tsc -b) makes.
try {
  await import('../dist/cli.js');
} catch (err) {
  if (err?.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli.js')) {
    console.error('runlog: the CLI is not built yet; run `npm run build` in the repository first.');
    process.exit(2);
  }
  throw err;
}
