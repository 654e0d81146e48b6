// The app's objects (GET …/resources), read at once and again when the app's live state changes,
// at most once per `refreshMs` (a burst of events costs one read, and the last change is read).
import { useEffect, useRef, useState } from 'react';
import type { ApiClient, Schemas } from '../api/client.ts';
import { messageOf } from './use-load.ts';

type ResourceState = Schemas['ResourceState'];

export interface Resources {
  resources?: ResourceState[];
  /** Why the last read failed (the previous tree, if any, is still shown). */
  error?: string;
}

export function useResources(client: ApiClient, env: string, app: string, version: string, refreshMs: number): Resources {
  const [result, setResult] = useState<Resources>({});
  const schedule = useRef<(() => void) | undefined>(undefined);

  useEffect(() => {
    let controller: AbortController | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let last = 0;
    const read = (): void => {
      timer = undefined;
      last = Date.now();
      controller?.abort();
      const request = new AbortController();
      controller = request;
      client.get('/api/v1/apps/{env}/{app}/resources', { params: { env, app }, signal: request.signal }).then(
        (resources) => {
          if (!request.signal.aborted) setResult({ resources });
        },
        (err: unknown) => {
          if (!request.signal.aborted) setResult((prev) => ({ ...prev, error: messageOf(err) }));
        },
      );
    };
    schedule.current = () => {
      if (timer !== undefined) return;
      const wait = last + refreshMs - Date.now();
      if (wait <= 0) read();
      else timer = setTimeout(read, wait);
    };
    read();
    return () => {
      schedule.current = undefined;
      controller?.abort();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [client, env, app, refreshMs]);

  const seen = useRef(version);
  useEffect(() => {
    if (seen.current === version) return;
    seen.current = version;
    schedule.current?.();
  }, [version]);

  return result;
}
