// Reads something once, again when `key` changes (at once) or `changes` changes (throttled: at most
// one re-read per `throttleMs`, so a burst of live events costs one), and on reload().
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Reloaded<T> {
  /** The last answer for the current key; kept while it is read again. */
  data?: T;
  /** Why the last read failed. */
  error?: string;
  /** A read for the current key has ended, well or not. */
  loaded: boolean;
  reload(): void;
}

export interface ReloadOptions {
  /** Anything that changes when the data may have: undefined until it is known. */
  changes?: string;
  throttleMs?: number;
}

export function useReload<T>(load: (signal: AbortSignal) => Promise<T>, key: string, options: ReloadOptions = {}): Reloaded<T> {
  const { changes, throttleMs = 1500 } = options;
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });
  const [state, setState] = useState<{ key: string; data?: T; error?: string; loaded: boolean }>({ key, loaded: false });
  const [tick, setTick] = useState(0);
  const lastRead = useRef(0);

  useEffect(() => {
    const request = new AbortController();
    lastRead.current = Date.now();
    loadRef.current(request.signal).then(
      (data) => {
        if (!request.signal.aborted) setState({ key, data, loaded: true });
      },
      (err: unknown) => {
        if (request.signal.aborted) return;
        const error = err instanceof Error ? err.message : String(err);
        setState((prev) => ({ key, data: prev.key === key ? prev.data : undefined, error, loaded: true }));
      },
    );
    return () => request.abort();
  }, [key, tick]);

  const seen = useRef<string | undefined>(undefined);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    if (changes === undefined) return;
    // The first state known is what the first read saw.
    if (seen.current === undefined || seen.current === changes) {
      seen.current = changes;
      return;
    }
    seen.current = changes;
    if (timer.current !== undefined) return; // a re-read is due: it will see this change too
    timer.current = setTimeout(
      () => {
        timer.current = undefined;
        setTick((t) => t + 1);
      },
      Math.max(0, lastRead.current + throttleMs - Date.now()),
    );
  }, [changes, throttleMs]);
  useEffect(
    () => () => {
      if (timer.current !== undefined) clearTimeout(timer.current);
      timer.current = undefined;
    },
    [],
  );

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return { data: current ? state.data : undefined, error: current ? state.error : undefined, loaded: current && state.loaded, reload };
}
