// Reads something for a key (an object, a tab): again when the key changes or on reload(), the
// previous request aborted; the error is the API's message.
import { useEffect, useRef, useState } from 'react';

export interface Loaded<T> {
  data?: T;
  error?: string;
  /** True until the first answer for this key. */
  loading: boolean;
  reload(): void;
}

export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** `key` undefined: nothing to read (yet). */
export function useLoad<T>(key: string | undefined, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<{ key?: string; data?: T; error?: string }>({});
  const [attempt, setAttempt] = useState(0);
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    if (key === undefined) return;
    const controller = new AbortController();
    loader.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ key, data });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) setState({ key, error: messageOf(err) });
      },
    );
    return () => controller.abort();
  }, [key, attempt]);
  const current = state.key === key ? state : {};
  return { data: current.data, error: current.error, loading: key !== undefined && state.key !== key, reload: () => setAttempt((n) => n + 1) };
}
