import { debug } from './debug.js';

/**
 * Ends active runs and flushes when the process is about to end: on 'beforeExit' (the event loop
 * ran dry) and on SIGINT/SIGTERM. Our signal listeners never swallow the signal: once our bounded
 * cleanup is done, if nobody else listens for it we re-raise it so Node's default (exit 128+n)
 * happens; if the user has listeners of their own, theirs decide. Listeners are removed by
 * uninstall(), so a closed client leaves nothing behind.
 */
export interface ExitHandler {
  /** Runs on beforeExit. Must settle within its own deadline. */
  onBeforeExit(): Promise<void>;
  /** Runs on SIGINT/SIGTERM before the signal is re-raised. */
  onSignal(signal: NodeJS.Signals): Promise<void>;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

export class ExitHooks {
  private installed = false;
  private running = false;
  private readonly signalListeners = new Map<NodeJS.Signals, () => void>();

  constructor(private readonly handler: ExitHandler) {}

  install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('beforeExit', this.beforeExit);
    for (const signal of SIGNALS) {
      const listener = () => void this.signal(signal);
      this.signalListeners.set(signal, listener);
      process.on(signal, listener);
    }
  }

  uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    process.off('beforeExit', this.beforeExit);
    for (const [signal, listener] of this.signalListeners) process.off(signal, listener);
    this.signalListeners.clear();
  }

  private readonly beforeExit = (): void => {
    // beforeExit fires again after our async work ends; the handler ends runs, so the next time
    // around there is nothing left to do and the process exits.
    if (this.running) return;
    this.running = true;
    this.handler
      .onBeforeExit()
      .catch((err: Error) => debug('exit flush failed: %s', err.message))
      .finally(() => {
        this.running = false;
      });
  };

  private async signal(signal: NodeJS.Signals): Promise<void> {
    try {
      await this.handler.onSignal(signal);
    } catch (err) {
      debug('signal cleanup failed: %s', (err as Error).message);
    }
    const ours = this.signalListeners.get(signal);
    const others = process.listeners(signal).filter((l) => l !== ours);
    this.uninstall();
    if (others.length === 0) process.kill(process.pid, signal);
  }
}
