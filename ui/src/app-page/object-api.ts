// The object endpoints of an app (live manifest, events, pod logs) and its deletion, on the typed
// client; a followed log is read as server-sent events. Every error carries the API's message.
import { ApiError, errorFrom, fillPath, type ApiClient, type Schemas } from '../api/client.ts';
import { SseParser } from '../api/events.ts';
import type { ResourceKey } from './object-ref.ts';

export interface AppRef {
  env: string;
  app: string;
}

/** The object as the cluster has it; a Secret's values come masked. */
export type LiveObject = Schemas['LiveObject'];
export type ObjectEvent = Schemas['ObjectEvent'];
export type DeleteAnswer = Schemas['SyncActionResult'];

const objectQuery = (apiVersion: string, key: ResourceKey) => ({ apiVersion, kind: key.kind, namespace: key.namespace, name: key.name });

export function getObject(client: ApiClient, ref: AppRef, apiVersion: string, key: ResourceKey, signal?: AbortSignal): Promise<LiveObject> {
  return client.get('/api/v1/apps/{env}/{app}/object', { params: { ...ref }, query: objectQuery(apiVersion, key), signal });
}

export async function getObjectEvents(client: ApiClient, ref: AppRef, apiVersion: string, key: ResourceKey, signal?: AbortSignal): Promise<ObjectEvent[]> {
  return (await client.get('/api/v1/apps/{env}/{app}/object/events', { params: { ...ref }, query: objectQuery(apiVersion, key), signal })).events;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export interface LogOptions {
  namespace: string;
  pod: string;
  container?: string;
  tailLines: number;
}

const logQuery = (o: LogOptions): string => {
  const q = new URLSearchParams({ namespace: o.namespace, pod: o.pod });
  if (o.container) q.set('container', o.container);
  q.set('tailLines', String(o.tailLines));
  q.set('follow', 'true');
  return q.toString();
};

export async function getLogs(client: ApiClient, ref: AppRef, options: LogOptions, signal?: AbortSignal): Promise<string[]> {
  return (await client.get('/api/v1/apps/{env}/{app}/logs', { params: { ...ref }, query: { ...options, follow: false }, signal })).lines;
}

/**
 * Follows a pod's log (text/event-stream of `event: line`, `data: <JSON string>`, then `event: end`)
 * until the signal aborts or the log ends; resolves then, rejects with the API's error.
 */
export async function followLogs(client: ApiClient, ref: AppRef, options: LogOptions, onLines: (lines: string[]) => void, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await client.fetch(`${fillPath('/api/v1/apps/{env}/{app}/logs', { ...ref })}?${logQuery(options)}`, { signal, headers: { accept: 'text/event-stream' } });
  } catch (err) {
    if (signal.aborted) return;
    throw new ApiError(`the API is unreachable: ${err instanceof Error ? err.message : String(err)}`, 0);
  }
  if (!res.ok) throw await errorFrom(res);
  if (!res.body) return;
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || signal.aborted) return;
      const lines: string[] = [];
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        if (message.event === 'end') {
          // `{}` when the log ended, `{"error": "<message>"}` when reading it failed.
          if (lines.length > 0) onLines(lines);
          const end = parseJson(message.data) as { error?: unknown } | undefined;
          if (typeof end?.error === 'string') throw new ApiError(end.error, 0);
          return;
        }
        if (message.event !== 'line') continue;
        const line = parseJson(message.data);
        if (typeof line === 'string') lines.push(line);
      }
      if (lines.length > 0) onLines(lines);
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/** Deletes everything the app applied in the environment; `confirm` must be the app's name. */
export function deleteApp(client: ApiClient, ref: AppRef): Promise<DeleteAnswer> {
  return client.delete('/api/v1/apps/{env}/{app}', { confirm: ref.app }, { params: { ...ref } });
}
