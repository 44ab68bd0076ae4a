import type { Command } from 'commander';
import { integerAtLeast, nonNegativeNumber, port, positiveNumber } from '../cli/option-parsers.js';
import { listenFailure } from '../cli/listen-errors.js';
import { stopOnSignals } from '../cli/stop-on-signals.js';

interface ServeCliOptions {
  modelUri: string;
  host: string;
  port: number;
  timeout?: number;
  bodyTimeout?: number;
  maxBodyBytes?: number;
  maxBatchSize?: number;
  maxWaitMs?: number;
  batching: boolean;
  maxConcurrentRequests?: number;
  trackingUri?: string;
}

/**
 * `runlog serve -m <model uri>`: the scoring server of @runlog/serve, with the options of
 * `mlflow models serve` that apply (-m, -h/--host, -p/--port, -t/--timeout in seconds) plus
 * runlog's body limit and batching knobs. SIGTERM / SIGINT stop it gracefully (exit code 0); a
 * second signal exits at once. Since -h is the host (as for MLflow), help is `--help`, or a bare
 * `-h` with nothing after it (see cli.ts).
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description("serve an MLflow Model over MLflow's scoring protocol (POST /invocations, GET /ping, /health, /version)")
    .helpOption('--help', 'display help for command')
    .requiredOption('-m, --model-uri <uri>', 'model URI: a path, file:, runs:/<run_id>/<path>, models:/<id or name/version>, mlflow-artifacts:')
    .option('-h, --host <host>', 'interface to bind (0.0.0.0 exposes the server beyond this machine)', '127.0.0.1')
    .option('-p, --port <port>', 'port (0 picks a free one)', port, 5000)
    .option('-t, --timeout <seconds>', 'request timeout in seconds (default: MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT, else 60)', positiveNumber)
    .option('--body-timeout <seconds>', 'time allowed to receive a request body; slower ones are answered 408 (default 30)', positiveNumber)
    .option('--max-body-bytes <n>', 'largest request body in bytes (default 33554432)', integerAtLeast(1))
    .option('--max-batch-size <rows>', 'dynamic batching: most rows in one model call (default 64)', integerAtLeast(1))
    .option('--max-wait-ms <ms>', 'dynamic batching: how long an idle server waits for a batch to fill (default 0)', nonNegativeNumber)
    .option('--no-batching', 'send every request to the model on its own')
    .option('--max-concurrent-requests <n>', 'requests held at once past their body; more are answered 503 (default 256)', integerAtLeast(1))
    .option('--tracking-uri <uri>', 'tracking URI for runs:/ and models:/ URIs (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .action(async (opts: ServeCliOptions) => {
      const { RunlogClient, serveModel } = await import('../index.js');
      // Only reads (the model's files): no journal.
      const client = new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
      let handle;
      try {
        handle = await serveModel(opts.modelUri, {
          host: opts.host,
          port: opts.port,
          timeoutMs: opts.timeout === undefined ? undefined : opts.timeout * 1000,
          bodyTimeoutMs: opts.bodyTimeout === undefined ? undefined : opts.bodyTimeout * 1000,
          maxBodyBytes: opts.maxBodyBytes,
          batching: opts.batching ? { maxBatchSize: opts.maxBatchSize, maxWaitMs: opts.maxWaitMs } : false,
          maxConcurrentRequests: opts.maxConcurrentRequests,
          loadOptions: { client },
        });
      } catch (err) {
        throw listenFailure(err, opts.host, opts.port);
      } finally {
        await client.close();
      }
      const server = handle;
      console.log(`runlog serve: model ${opts.modelUri} (${server.model.flavor}) listening on ${server.url}`);
      stopOnSignals('runlog serve', () => server.close(), (signal) => console.log(`runlog serve: ${signal}, finishing requests in flight`));
    });
}
