// A server outage without stopping the server: an in-process TCP relay on a loopback port in front
// of a real MLflow server, which can be switched off and on. Off, it does what a stopped server does
// to its clients: the port refuses new connections, and every open connection (a keep-alive one, a
// request half sent, an answer half received) is reset. On, it listens again on the same port.
//
// The outage tests use it in front of the run's shared MLflow server (test/support/mlflow-env.ts),
// so an outage costs milliseconds instead of a server restart (seconds of CPU on a 2-core machine),
// and the server keeps serving the other test files meanwhile. Python reads back through the
// relay's address too. test/interop/harness.test.ts still stops and restarts a real server.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { MlflowServer } from './mlflow-env.js';

export interface SwitchableServer extends MlflowServer {
  /** Whether the relay is listening. */
  readonly up: boolean;
}

/** Puts an outage switch in front of `target`: the returned server's `stop()`/`restart()` switch it. */
export async function withOutageSwitch(target: MlflowServer): Promise<SwitchableServer> {
  const upstream = new URL(target.uri);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const relay = (client: Socket): void => {
    const backend = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    sockets.add(client);
    sockets.add(backend);
    const closeBoth = () => {
      client.destroy();
      backend.destroy();
      sockets.delete(client);
      sockets.delete(backend);
    };
    client.on('error', closeBoth).on('close', closeBoth);
    backend.on('error', closeBoth).on('close', closeBoth);
    client.pipe(backend);
    backend.pipe(client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(relay);
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const off = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      // A stopped server's clients see their connections reset, not left hanging.
      for (const socket of sockets) socket.resetAndDestroy();
      sockets.clear();
    });
  };

  await listen();
  const uri = `http://127.0.0.1:${port}`;
  return {
    ...target,
    uri,
    port,
    get up() {
      return server !== undefined;
    },
    stop: off,
    restart: async () => {
      if (server) return;
      // The port was ours a moment ago; another process could take it meanwhile (rare): retry briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen();
          return;
        } catch (err) {
          if (attempt >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    outputTail: () => target.outputTail(),
  };
}
