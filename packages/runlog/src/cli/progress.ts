import cliProgress from 'cli-progress';

/** One progress bar per key (a journal session, a publish): shown on a TTY, silent otherwise. */
export interface ProgressDisplay {
  /** Starts (or restarts) the bar of `key`. */
  start(key: string, total: number, payload: Record<string, string | number>): void;
  update(key: string, value: number, payload?: Record<string, string | number>): void;
  /** Sets the bar to its total and leaves it on screen. */
  finish(key: string): void;
  /** Stops every bar; lines printed after this do not mix with bars. Idempotent. */
  close(): void;
  /** True when bars are drawn. */
  readonly active: boolean;
}

export interface ProgressOptions {
  /** `--quiet`: no bars even on a TTY. */
  quiet?: boolean | undefined;
  /** Where bars go; stderr, so stdout stays clean for scripts. */
  stream?: NodeJS.WriteStream | undefined;
  /** cli-progress format, with `{bar}`, `{value}`, `{total}`, `{percentage}` and payload keys. */
  format: string;
}

/**
 * Progress bars for long CLI work (cli-progress's MultiBar, so concurrent sessions each get a
 * line). TTY-aware: when the stream is not a terminal (a pipe, a CI log) or `quiet` is set, every
 * method does nothing, and the command's summary lines are its only output.
 */
export function createProgress(opts: ProgressOptions): ProgressDisplay {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet || !stream.isTTY) return SILENT;
  const multi = new cliProgress.MultiBar(
    {
      stream,
      format: opts.format,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      etaBuffer: 50,
      fps: 10,
      autopadding: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  let closed = false;
  return {
    active: true,
    start(key, total, payload) {
      if (closed) return;
      const bar = bars.get(key);
      if (bar) {
        bar.setTotal(total);
        bar.update(0, payload);
      } else bars.set(key, multi.create(total, 0, payload));
    },
    update(key, value, payload) {
      if (!closed) bars.get(key)?.update(value, payload ?? {});
    },
    finish(key) {
      const bar = bars.get(key);
      if (!closed && bar) bar.update(bar.getTotal());
    },
    close() {
      if (closed) return;
      closed = true;
      multi.stop();
    },
  };
}

const SILENT: ProgressDisplay = {
  active: false,
  start() {},
  update() {},
  finish() {},
  close() {},
};

/** `1.5 MB`, `812 kB`, `17 B` (SI units, as npm prints sizes). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = -1;
  do {
    v /= 1000;
    i++;
  } while (v >= 1000 && i < units.length - 1);
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
