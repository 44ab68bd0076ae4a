// A hook that loads data for a component and re-loads it when its inputs change; stale answers
// (from inputs that changed meanwhile) are dropped.
import { useEffect, useState } from 'preact/hooks';

export interface AsyncState<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  /** Loads again with the same inputs (after a write, or a poll). */
  reload: () => void;
}

export function useAsync<T>(load: () => Promise<T>, inputs: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => current && setState({ data, loading: false }),
      (error: unknown) => current && setState({ error: error as Error, loading: false }),
    );
    return () => {
      current = false;
    };
  }, [...inputs, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
