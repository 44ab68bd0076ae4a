/**
 * How a long-running command (`runlog serve`, `runlog ui`) stops: the first SIGTERM or SIGINT
 * closes it gracefully and prints `<command>: stopped`; a second one exits at once with 1. The
 * listeners are removed once closed, so nothing keeps the process alive afterwards.
 */
export function stopOnSignals(command: string, close: () => Promise<void>, onFirstSignal?: (signal: NodeJS.Signals) => void): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${command}: ${signal} again, exiting now`);
      process.exit(1);
    }
    stopping = true;
    onFirstSignal?.(signal);
    close().then(
      () => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        console.log(`${command}: stopped`);
        process.exitCode = 0;
      },
      (err: unknown) => {
        console.error(`${command}: error while stopping: ${(err as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
