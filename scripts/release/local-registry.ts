// A real npm registry on loopback for release checks: Verdaccio, started as a child process with
// its config, storage and users in a caller-owned directory, no uplinks (it knows only what is
// published to it), so an install from it can never reach another registry.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

export interface LocalRegistry {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:43125/`. */
  url: string;
  /** A bearer token of a user allowed to publish. */
  token: string;
  /** `//127.0.0.1:<port>/:_authToken=<token>`: the .npmrc line that authenticates npm. */
  authLine: string;
  /** Verdaccio's storage folder (its local storage: one folder per package name). */
  storage: string;
  /** The last lines Verdaccio printed, for error messages. */
  outputTail(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s). Idempotent. */
  stop(): Promise<void>;
}

/** Thrown when the registry cannot be started: with CI=true callers fail, else they may skip. */
export class RegistryStartError extends Error {
  override name = 'RegistryStartError';
}

const START_TIMEOUT_MS = 60_000;

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function verdaccioBin(): string {
  const require = createRequire(import.meta.url);
  try {
    return join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  } catch {
    throw new RegistryStartError('verdaccio is not installed (it is a devDependency of the repository: run npm ci)');
  }
}

function config(): string {
  // Everything relative to the config file's folder. No uplinks: third-party packages a test
  // needs are written into its storage too (see seed-registry.ts).
  return [
    'storage: ./storage',
    'auth:',
    '  htpasswd:',
    '    file: ./htpasswd',
    '    max_users: 10',
    'uplinks: {}',
    'packages:',
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    '    unpublish: $authenticated',
    'max_body_size: 512mb',
    // JWT tokens: verified by signature, not by hashing the password again on every request.
    'security:',
    '  api:',
    '    legacy: false',
    '    jwt:',
    '      sign:',
    '        expiresIn: 1d',
    'web:',
    '  enable: false',
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n');
}

/** Starts Verdaccio on a free loopback port with its files in `dir`, and registers a publisher. */
export async function startLocalRegistry(dir: string): Promise<LocalRegistry> {
  const bin = verdaccioBin();
  await mkdir(dir, { recursive: true });
  const configPath = join(dir, 'config.yaml');
  await writeFile(configPath, config());
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [bin, '--config', configPath, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, so stop() reaches anything it started
  });
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killOnExit);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(killOnExit, 5_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitForPing(url, child, () => output);
    const token = await addUser(url);
    const authLine = `//127.0.0.1:${port}/:_authToken=${token}`;
    return { url, token, authLine, storage: join(dir, 'storage'), outputTail: () => output, stop };
  } catch (err) {
    await stop();
    if (err instanceof RegistryStartError) throw err;
    throw new RegistryStartError(`Verdaccio did not start: ${(err as Error).message}\n${output}`);
  }
}

async function waitForPing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new RegistryStartError(`Verdaccio exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    }
    try {
      const res = await fetch(`${url}-/ping`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new RegistryStartError(`Verdaccio did not answer /-/ping within ${START_TIMEOUT_MS} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Registers a user the way `npm adduser` does and returns its token. */
async function addUser(url: string): Promise<string> {
  const name = 'runlog-release';
  const res = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: 'loopback-only-password', email: 'release@runlog.invalid' }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || !body.token) throw new RegistryStartError(`could not register a user: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body.token;
}
