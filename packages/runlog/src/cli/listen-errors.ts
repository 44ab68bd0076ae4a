import { CliFailure } from './cli-errors.js';

/**
 * A server command's failure to listen, as one line the user can act on (port taken, privileged
 * port, host not of this machine); any other error is returned as it is.
 */
export function listenFailure(err: unknown, host: string, port: number | string): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return new CliFailure(`port ${port} on ${host} is already in use; pick another with -p <port> (0 picks a free one).`, { cause: err });
  if (code === 'EACCES') return new CliFailure(`not allowed to listen on port ${port} on ${host}; ports below 1024 need privileges, pick another with -p <port>.`, { cause: err });
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return new CliFailure(`cannot listen on host '${host}': it is not an address of this machine.`, { cause: err });
  return err;
}
