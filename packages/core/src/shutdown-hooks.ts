import { debug } from './debug.js';

/**
 * The one place runlog listens for the end of the process. Every part that has to do something
 * then (the fluent API ending its runs, the ONNX plugin logging its open windows, ...) registers
 * a hook here instead of adding its own process listener. The registry holds at most one listener
 * per event ('beforeExit', 'exit', SIGINT, SIGTERM), attached while some hook wants that event and
 * removed when the last such hook is removed, so a closed client leaves no listener behind.
 *
 * Signals are never swallowed: once the signal hooks have run, our listener is taken off, and if
 * nobody else listens for the signal it is re-raised so Node's default (exit 128+n) happens; if
 * the user has listeners of their own, theirs decide.
 */
export interface ShutdownHook {
  /** Hooks run in ascending order on each event (default 0): collect records (-1) before runs are ended (0). */
  readonly order?: number | undefined;
  /** On 'beforeExit' (the event loop ran dry). A hook whose previous call has not settled is skipped. */
  beforeExit?(): void | Promise<void>;
  /** On SIGINT/SIGTERM, awaited (each must bound its own time) before the signal is re-raised. */
  signal?(signal: NodeJS.Signals): void | Promise<void>;
  /** On 'exit': synchronous work only. */
  exit?(): void;
}

export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

const hooks = new Set<ShutdownHook>();
/** beforeExit hooks still running (beforeExit is emitted again when their async work ends). */
const running = new Set<ShutdownHook>();
const attached = new Map<string, (...args: unknown[]) => void>();

/** Registers a hook; returns its removal (idempotent). */
export function addShutdownHook(hook: ShutdownHook): () => void {
  hooks.add(hook);
  syncListeners();
  return () => {
    if (hooks.delete(hook)) syncListeners();
  };
}

function ordered(): ShutdownHook[] {
  return [...hooks].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
}

function onBeforeExit(): void {
  for (const hook of ordered()) {
    if (!hook.beforeExit || running.has(hook)) continue;
    running.add(hook);
    let result: void | Promise<void>;
    try {
      result = hook.beforeExit(); // synchronously, in order: what it queues precedes the next hook
    } catch (err) {
      result = Promise.reject(err);
    }
    Promise.resolve(result)
      .catch((err: unknown) => debug('exit flush failed: %s', (err as Error)?.message ?? String(err)))
      .finally(() => running.delete(hook));
  }
}

function onExit(): void {
  for (const hook of ordered()) {
    try {
      hook.exit?.();
    } catch (err) {
      debug('exit hook failed: %s', (err as Error)?.message ?? String(err));
    }
  }
}

async function onSignal(signal: NodeJS.Signals): Promise<void> {
  for (const hook of ordered()) {
    if (!hook.signal) continue;
    try {
      await hook.signal(signal);
    } catch (err) {
      debug('signal cleanup failed: %s', (err as Error)?.message ?? String(err));
    }
  }
  const ours = attached.get(signal);
  const others = process.listeners(signal).filter((l) => l !== ours);
  if (ours) {
    process.off(signal, ours);
    attached.delete(signal);
  }
  if (others.length === 0) process.kill(process.pid, signal);
}

const LISTENERS: Record<string, [(h: ShutdownHook) => boolean, (...args: unknown[]) => void]> = {
  beforeExit: [(h) => h.beforeExit !== undefined, onBeforeExit],
  exit: [(h) => h.exit !== undefined, onExit],
  ...Object.fromEntries(SHUTDOWN_SIGNALS.map((s) => [s, [(h: ShutdownHook) => h.signal !== undefined, () => void onSignal(s)]])),
};

function syncListeners(): void {
  for (const [event, [wants, listener]] of Object.entries(LISTENERS)) {
    const needed = [...hooks].some(wants);
    const current = attached.get(event);
    if (needed && !current) {
      attached.set(event, listener);
      process.on(event, listener);
    } else if (!needed && current) {
      attached.delete(event);
      process.off(event, current);
    }
  }
}
