/** Loads one API document for a component; a new path aborts the old request, so answers never arrive crossed. */
import { useCallback, useEffect, useState } from 'preact/hooks';
import { getJson } from '../api/client.ts';

export interface Loaded<T> {
  data: T | null;
  error: Error | null;
  loading: boolean;
  reload: () => void;
}

export function useApi<T>(path: string | null): Loaded<T> {
  const [state, setState] = useState<{
    data: T | null;
    error: Error | null;
    loading: boolean;
    path: string | null;
  }>({ data: null, error: null, loading: path != null, path });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (path == null) {
      setState({ data: null, error: null, loading: false, path });
      return;
    }
    const ac = new AbortController();
    setState((s) => ({ ...s, loading: true, error: null, data: s.path === path ? s.data : null, path }));
    getJson<T>(path, ac.signal).then(
      (data) => {
        if (!ac.signal.aborted) setState({ data, error: null, loading: false, path });
      },
      (error: Error) => {
        // A failed refresh keeps what was shown (the page decides whether to show the error over it).
        if (!ac.signal.aborted)
          setState((s) => ({ data: s.path === path ? s.data : null, error, loading: false, path }));
      },
    );
    return () => ac.abort();
    // tick: reload() asks for the same path again
  }, [path, tick]);

  return {
    data: state.path === path ? state.data : null,
    error: state.error,
    loading: state.loading,
    reload,
  };
}
