import { CommanderError } from 'commander';
import { InvalidArgumentError, InvalidFilterError, InvalidModelUriError, RunlogError } from '@runlog/core';

/** The exit codes of the `runlog` command (documented in the README's CLI section). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * A mistake in how the command was called (a missing or contradictory option). Printed as one line
 * and exits 2, like commander's own parse errors.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * A failure the user can act on, explained in `message` (a busy port, an unknown experiment).
 * Printed as one line, without a stack, and exits 1.
 */
export class CliFailure extends Error {
  override readonly name = 'CliFailure';
}

/** Whether stacks should be shown: `--debug` anywhere on the command line, or RUNLOG_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const v = env.RUNLOG_DEBUG;
  return argv.includes('--debug') || (v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false');
}

/** System errors (from node:net, node:fs) whose message alone is clear to a user. */
const PLAIN_SYSTEM_ERRORS = new Set(['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOENT', 'EPERM', 'ENOTDIR', 'EISDIR']);

/**
 * The one top-level handler: prints `err` for a person and returns the exit code. Errors that are
 * the user's to fix (runlog's typed errors, usage mistakes, a busy port) print their message only;
 * anything else is a bug or an unexpected failure, so it says how to see the stack. With `debug`
 * the stack (and its causes) is printed too.
 */
export function reportError(err: unknown, debug: boolean, write: (line: string) => void = (l) => process.stderr.write(l + '\n')): number {
  if (err instanceof CommanderError) {
    // Commander has printed its own message already: help or the version asked for (its exit code
    // 0), or a parse error, or help shown because no command was given (usage).
    return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  }
  const usage =
    err instanceof UsageError || err instanceof InvalidFilterError || err instanceof InvalidArgumentError || err instanceof InvalidModelUriError;
  const known = usage || err instanceof CliFailure || err instanceof RunlogError || PLAIN_SYSTEM_ERRORS.has((err as NodeJS.ErrnoException)?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  write(`runlog: ${message}`);
  if (debug) {
    write(err instanceof Error && err.stack ? err.stack : String(err));
    let cause = err instanceof Error ? err.cause : undefined;
    while (cause !== undefined) {
      write(`caused by: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`);
      cause = cause instanceof Error ? cause.cause : undefined;
    }
  } else if (!known) {
    write('(unexpected error: run again with --debug or RUNLOG_DEBUG=1 for details)');
  }
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}
