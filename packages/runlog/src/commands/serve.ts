import type { Command } from 'commander';

interface ServeCliOptions {
  modelUri: string;
  host: string;
  port: string;
  timeout?: string;
  bodyTimeout?: string;
  maxBodyBytes?: string;
  maxBatchSize?: string;
  maxWaitMs?: string;
  batching: boolean;
  maxConcurrentRequests?: string;
  trackingUri?: string;
}

function number(name: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}

/**
 * `runlog serve -m <model uri>`: the scoring server of @runlog/serve, with the options of
 * `mlflow models serve` that apply (-m, -h/--host, -p/--port, -t/--timeout in seconds) plus
 * runlog's body limit and batching knobs. SIGTERM / SIGINT stop it gracefully (exit code 0); a
 * second signal exits at once.
 */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description("serve an MLflow Model over MLflow's scoring protocol (POST /invocations, GET /ping, /health, /version)")
    .helpOption('--help', 'display help for command')
    .requiredOption('-m, --model-uri <uri>', 'model URI: a path, file:, runs:/<run_id>/<path>, models:/<id or name/version>, mlflow-artifacts:')
    .option('-h, --host <host>', 'interface to bind (0.0.0.0 exposes the server beyond this machine)', '127.0.0.1')
    .option('-p, --port <port>', 'port (0 picks a free one)', '5000')
    .option('-t, --timeout <seconds>', 'request timeout in seconds (default: MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT, else 60)')
    .option('--body-timeout <seconds>', 'time allowed to receive a request body; slower ones are answered 408 (default 30)')
    .option('--max-body-bytes <n>', 'largest request body in bytes (default 33554432)')
    .option('--max-batch-size <rows>', 'dynamic batching: most rows in one model call (default 64)')
    .option('--max-wait-ms <ms>', 'dynamic batching: how long an idle server waits for a batch to fill (default 0)')
    .option('--no-batching', 'send every request to the model on its own')
    .option('--max-concurrent-requests <n>', 'requests held at once past their body; more are answered 503 (default 256)')
    .option('--tracking-uri <uri>', 'tracking URI for runs:/ and models:/ URIs (default: MLFLOW_TRACKING_URI, else ./mlruns)')
    .action(async (opts: ServeCliOptions) => {
      const { RunlogClient, serveModel } = await import('../index.js');
      // Only reads (the model's files): no journal.
      const client = new RunlogClient({ trackingUri: opts.trackingUri, durability: 'memory' });
      let handle;
      try {
        handle = await serveModel(opts.modelUri, {
          host: opts.host,
          port: number('port', opts.port),
          timeoutMs: opts.timeout === undefined ? undefined : number('timeout', opts.timeout) * 1000,
          bodyTimeoutMs: opts.bodyTimeout === undefined ? undefined : number('body-timeout', opts.bodyTimeout) * 1000,
          maxBodyBytes: opts.maxBodyBytes === undefined ? undefined : number('max-body-bytes', opts.maxBodyBytes),
          batching: opts.batching
            ? {
                maxBatchSize: opts.maxBatchSize === undefined ? undefined : number('max-batch-size', opts.maxBatchSize),
                maxWaitMs: opts.maxWaitMs === undefined ? undefined : number('max-wait-ms', opts.maxWaitMs),
              }
            : false,
          maxConcurrentRequests: opts.maxConcurrentRequests === undefined ? undefined : number('max-concurrent-requests', opts.maxConcurrentRequests),
          loadOptions: { client },
        });
      } finally {
        await client.close();
      }
      const server = handle;
      console.log(`runlog serve: model ${opts.modelUri} (${server.model.flavor}) listening on ${server.url}`);
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) {
          console.error(`runlog serve: ${signal} again, exiting now`);
          process.exit(1);
        }
        stopping = true;
        console.log(`runlog serve: ${signal}, finishing requests in flight`);
        server.close().then(
          () => {
            process.off('SIGTERM', onSignal);
            process.off('SIGINT', onSignal);
            console.log('runlog serve: stopped');
            process.exitCode = 0;
          },
          (err: unknown) => {
            console.error(`runlog serve: error while stopping: ${(err as Error).message}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
}
