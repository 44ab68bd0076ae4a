import type { Command } from 'commander';
import { trackingStatus } from '@runlog/core';

/** `runlog status`: where records go, whether the server answers and accepts our credentials, and the journal backlog. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .alias('doctor')
    .description('check the tracking server (reachability, version, auth) and show the journal backlog')
    .option('--tracking-uri <uri>', 'tracking URI (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--journal <dir>', 'journal directory (default: RUNLOG_JOURNAL_DIR, else ~/.local/state/runlog/journal)')
    .action(async (opts: { trackingUri?: string; journal?: string }) => {
      const s = await trackingStatus({ trackingUri: opts.trackingUri, journalDir: opts.journal });
      console.log(`tracking URI  ${s.trackingUri}`);
      if (s.kind === 'local') {
        console.log(`store         local directory, ${s.reachable ? 'exists' : 'not created yet (made on first run)'}`);
      } else {
        console.log(`server        ${s.reachable ? `reachable, MLflow ${s.serverVersion ?? '(version unknown)'}` : `UNREACHABLE: ${s.problem}`}`);
        if (s.reachable) console.log(`auth          ${s.authOk ? 'ok' : `FAILED: ${s.problem}`}`);
      }
      const j = s.journal;
      const backlog =
        j.waiting === 0
          ? 'empty'
          : `${j.waiting} record(s) waiting in ${j.sessions} session(s)` +
            (j.waitingLive ? ` (${j.waitingLive} held by running processes)` : '') +
            (j.waiting > j.waitingLive ? '; upload with: npx runlog sync' : '');
      console.log(`journal       ${j.dir}: ${backlog}`);
      if (j.corruptFrames) console.log(`              ${j.corruptFrames} damaged frame(s) will be skipped`);
      const ok = s.kind === 'local' || (s.reachable && s.authOk === true);
      process.exitCode = ok ? 0 : 1;
    });
}
