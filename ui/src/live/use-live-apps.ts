// The state of every app × environment, kept live: the list from GET /api/v1/apps at once and each
// time the events stream reconnects, then every AppState the stream carries. Updates are applied in
// batches (at most one render per `flushMs`) so a burst of events costs one render.
import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient, type AppState } from '../api/client.ts';
import { connectEvents, stateOf, type Clock, type StreamStatus } from '../api/events.ts';

export const appKey = (s: { app: string; env: string }): string => `${s.env}/${s.app}`;

export interface LiveApps {
  /** In the API's order (environment, then app); apps first seen in an event come last. */
  apps: AppState[];
  loaded: boolean;
  /** Why the list could not be read. */
  error?: string;
  stream: StreamStatus;
  /** The stream was lost and is not back yet (between retries too). */
  reconnecting: boolean;
  /** The stream came back after being lost (for reconnectedMs, or until the next loss). */
  reconnected: boolean;
}

export interface LiveAppsOptions {
  /** Called when the API says the token is not (or no longer) valid. */
  onUnauthorized(message: string): void;
  clock?: Clock;
  flushMs?: number;
  /** How long "Live updates reconnected" stays; default 5 s. */
  reconnectedMs?: number;
}

export function useLiveApps(client: ApiClient, options: LiveAppsOptions): LiveApps {
  const [live, setLive] = useState<LiveApps>({ apps: [], loaded: false, stream: 'connecting', reconnecting: false, reconnected: false });
  const onUnauthorized = useRef(options.onUnauthorized);
  useEffect(() => {
    onUnauthorized.current = options.onUnauthorized;
  });
  const { clock, flushMs = 100, reconnectedMs = 5000 } = options;

  useEffect(() => {
    const timers = clock ?? { setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (h: unknown) => clearTimeout(h as ReturnType<typeof setTimeout>) };
    let pending = new Map<string, AppState>();
    let flushTimer: unknown;
    let quietTimer: unknown;
    let wasLost = false;
    let listRequest: AbortController | undefined;
    const flush = (): void => {
      flushTimer = undefined;
      const updates = pending;
      pending = new Map();
      setLive((prev) => {
        const next = prev.apps.map((s) => {
          const update = updates.get(appKey(s));
          if (update) updates.delete(appKey(s));
          return update ?? s;
        });
        return { ...prev, apps: [...next, ...updates.values()] };
      });
    };
    const loadList = (): void => {
      listRequest?.abort();
      const request = new AbortController();
      listRequest = request;
      client.get('/api/v1/apps', { signal: request.signal }).then(
        (apps) => {
          pending = new Map();
          setLive((prev) => ({ ...prev, apps, loaded: true, error: undefined }));
        },
        (err: unknown) => {
          if (request.signal.aborted) return;
          if (err instanceof ApiError && err.status === 401) return onUnauthorized.current(err.message);
          setLive((prev) => ({ ...prev, loaded: true, error: err instanceof Error ? err.message : String(err) }));
        },
      );
    };
    const stream = connectEvents({
      open: (init) => client.fetch('/api/v1/events', init),
      clock,
      onEvent: (event) => {
        const state = stateOf(event);
        if (!state) return;
        pending.set(appKey(state), state);
        if (flushTimer === undefined) flushTimer = timers.setTimeout(flush, flushMs);
      },
      onStatus: (status) => {
        if (status === 'closed') return;
        if (status === 'unauthorized') return onUnauthorized.current('The token is no longer valid: sign in again.');
        // The list is read at once (below), and again after a reconnect: what changed while the stream was down.
        if (status === 'open' && wasLost) loadList();
        if (status === 'lost') wasLost = true;
        if (quietTimer !== undefined) timers.clearTimeout(quietTimer);
        quietTimer = undefined;
        // "reconnected" is said for a few seconds, then the banner goes.
        if (status === 'open' && wasLost)
          quietTimer = timers.setTimeout(() => {
            quietTimer = undefined;
            setLive((prev) => ({ ...prev, reconnected: false }));
          }, reconnectedMs);
        setLive((prev) => ({
          ...prev,
          stream: status,
          reconnecting: status === 'lost' || (status === 'connecting' && prev.reconnecting),
          reconnected: status === 'open' ? wasLost : status === 'lost' ? false : prev.reconnected,
        }));
      },
    });
    loadList();
    return () => {
      stream.close();
      listRequest?.abort();
      if (flushTimer !== undefined) timers.clearTimeout(flushTimer);
      if (quietTimer !== undefined) timers.clearTimeout(quietTimer);
    };
  }, [client, clock, flushMs, reconnectedMs]);

  return live;
}
