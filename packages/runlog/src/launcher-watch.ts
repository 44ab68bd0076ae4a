/**
 * `npx runlog …` runs the CLI under npm's shell: npm → sh → node. On SIGTERM, npm passes the signal
 * to the shell, which exits without passing it on, so a long-running command (`runlog serve`) was
 * left running with no parent: orphaned. When npm exec started this process, stopWhenLauncherExits()
 * watches for that: once the parent is gone (the process has been re-parented), it sends this
 * process SIGTERM, so `runlog serve` drains and stops exactly as on a direct SIGTERM. The check runs
 * every `intervalMs` on an unref'd timer (it never keeps the process alive) and fires once.
 * Returns a function that stops watching.
 */
export interface LauncherWatchOptions {
  /** Default process.env: the watch is armed only when `npm_command` is `exec` (npx, npm exec). */
  env?: NodeJS.ProcessEnv;
  intervalMs?: number;
  /** Default: reads process.ppid, which follows re-parenting. */
  parentPid?: () => number;
  /** Default: process.kill(process.pid, 'SIGTERM'). */
  onOrphaned?: () => void;
}

export function stopWhenLauncherExits(options: LauncherWatchOptions = {}): () => void {
  const env = options.env ?? process.env;
  if (env.npm_command !== 'exec' || process.platform === 'win32') return () => {};
  const parentPid = options.parentPid ?? (() => process.ppid);
  const onOrphaned = options.onOrphaned ?? (() => process.kill(process.pid, 'SIGTERM'));
  const launcher = parentPid();
  const timer = setInterval(() => {
    if (parentPid() === launcher) return;
    clearInterval(timer);
    onOrphaned();
  }, options.intervalMs ?? 500);
  timer.unref();
  return () => clearInterval(timer);
}
