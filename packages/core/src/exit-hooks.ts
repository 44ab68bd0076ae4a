import { addShutdownHook } from './shutdown-hooks.js';

/**
 * Ends active runs and flushes when the process is about to end: on 'beforeExit' (the event loop
 * ran dry) and on SIGINT/SIGTERM, through the shutdown-hook registry (shutdown-hooks.ts), which
 * owns the process listeners and re-raises a signal nobody else listens for. After a signal the
 * hooks are removed (as by uninstall()); a closed client leaves nothing behind.
 */
export interface ExitHandler {
  /** Runs on beforeExit. Must settle within its own deadline. */
  onBeforeExit(): Promise<void>;
  /** Runs on SIGINT/SIGTERM before the signal is re-raised. */
  onSignal(signal: NodeJS.Signals): Promise<void>;
}

export class ExitHooks {
  private remove: (() => void) | undefined;

  constructor(private readonly handler: ExitHandler) {}

  install(): void {
    if (this.remove) return;
    this.remove = addShutdownHook({
      beforeExit: () => this.handler.onBeforeExit(),
      signal: async (signal) => {
        try {
          await this.handler.onSignal(signal);
        } finally {
          this.uninstall();
        }
      },
    });
  }

  uninstall(): void {
    this.remove?.();
    this.remove = undefined;
  }
}
