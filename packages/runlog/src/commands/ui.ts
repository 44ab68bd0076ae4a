import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { port } from '../cli/option-parsers.js';
import { listenFailure } from '../cli/listen-errors.js';
import { stopOnSignals } from '../cli/stop-on-signals.js';

interface UiCliOptions {
  trackingUri?: string;
  host: string;
  port: number;
  open: boolean;
  readOnly: boolean;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i;

/** Opens `url` in the desktop's browser; failures are reported, never fatal. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => console.error(`runlog ui: could not open a browser; open ${url} yourself`));
    child.unref();
  } catch {
    console.error(`runlog ui: could not open a browser; open ${url} yourself`);
  }
}

/**
 * `runlog ui`: the web UI over the local store or in front of an MLflow server (@runlog/ui).
 * Binds to loopback unless told otherwise, with a warning on stderr for any other host, and
 * warns when the browser app is not built (a clone before `npm run build`).
 * SIGTERM / SIGINT stop it (exit code 0); a second signal exits at once.
 */
export function registerUiCommand(program: Command): void {
  program
    .command('ui')
    .description('open the runlog web UI over the local ./mlruns store or an MLflow tracking server')
    .option('--tracking-uri <uri>', 'a local store (path or file:) or an http(s):// MLflow server (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .option('--host <host>', 'interface to bind (anything but loopback exposes your runs to the network)', '127.0.0.1')
    .option('-p, --port <port>', 'port (0 picks a free one)', port, 5000)
    .option('--open', 'open the UI in the default browser', false)
    .option('--read-only', 'refuse every change (rename, tags, delete, aliases)', false)
    .action(async (opts: UiCliOptions) => {
      const { startUiServer, WEB_APP_BUILD_HINT } = await import('@runlog/ui');
      if (!LOOPBACK.test(opts.host)) {
        console.error(
          `runlog ui: warning: listening on ${opts.host}, not loopback: anyone who can reach this machine can read your runs` +
            (opts.readOnly ? '.' : ' and change them (add --read-only to refuse changes).'),
        );
      }
      let server;
      try {
        server = await startUiServer({ trackingUri: opts.trackingUri, host: opts.host, port: opts.port, readOnly: opts.readOnly });
      } catch (err) {
        throw listenFailure(err, opts.host, opts.port);
      }
      const running = server;
      if (!running.webAppBuilt) {
        console.error(`runlog ui: warning: the web app is not built, so / only says how to build it: ${WEB_APP_BUILD_HINT}. The API works meanwhile.`);
      }
      console.log(`runlog ui: ${running.mode === 'local' ? 'local store' : 'MLflow server'} ${running.trackingUri}${opts.readOnly ? ' (read-only)' : ''}`);
      console.log(`runlog ui: listening on ${running.url}`);
      if (opts.open) openBrowser(running.url);
      stopOnSignals('runlog ui', () => running.close());
    });
}
