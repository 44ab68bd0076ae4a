// Live refresh: while a run is RUNNING its page re-reads the run every ~2 s. Polling stops when the
// run finishes, when the tab is hidden (and resumes when it is shown), and when the page unmounts.
import { useEffect, useRef } from 'preact/hooks';

export const LIVE_POLL_MS = 2000;

export function usePolling(active: boolean, tick: () => void, intervalMs = LIVE_POLL_MS): void {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) return undefined;
    const run = () => latest.current();
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined && document.visibilityState === 'visible') timer = setInterval(run, intervalMs);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible') {
        run();
        start();
      } else {
        stop();
      }
    };
    start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [active, intervalMs]);
}
