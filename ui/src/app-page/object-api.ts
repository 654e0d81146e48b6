// The object endpoints of an app (live manifest, events, pod logs) and its deletion. They are newer
// than the generated schema, so they are called through client.fetch with the shapes the API
// documents; every error carries the API's message.
import { ApiError, errorFrom, type ApiClient } from '../api/client.ts';
import { SseParser } from '../api/events.ts';
import type { ResourceKey } from './object-ref.ts';

export interface AppRef {
  env: string;
  app: string;
}

export interface LiveObject {
  apiVersion: string;
  key: ResourceKey;
  /** The object as the cluster has it; a Secret's values come masked. */
  manifest: Record<string, unknown>;
}

export interface ObjectEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
  source?: string;
}

export interface DeleteAnswer {
  result?: 'Succeeded' | 'Failed';
  counts?: Record<string, number>;
  message?: string;
}

const appBase = (ref: AppRef): string => `/api/v1/apps/${encodeURIComponent(ref.env)}/${encodeURIComponent(ref.app)}`;

const objectQuery = (apiVersion: string, key: ResourceKey): string => new URLSearchParams({ apiVersion, kind: key.kind, namespace: key.namespace, name: key.name }).toString();

async function call<T>(client: ApiClient, path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await client.fetch(path, { ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}) } });
  } catch (err) {
    if (init.signal?.aborted) throw err;
    throw new ApiError(`the API is unreachable: ${err instanceof Error ? err.message : String(err)}`, 0);
  }
  if (!res.ok) throw await errorFrom(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

export function getObject(client: ApiClient, ref: AppRef, apiVersion: string, key: ResourceKey, signal?: AbortSignal): Promise<LiveObject> {
  return call(client, `${appBase(ref)}/object?${objectQuery(apiVersion, key)}`, { signal });
}

export async function getObjectEvents(client: ApiClient, ref: AppRef, apiVersion: string, key: ResourceKey, signal?: AbortSignal): Promise<ObjectEvent[]> {
  return (await call<{ events: ObjectEvent[] }>(client, `${appBase(ref)}/object/events?${objectQuery(apiVersion, key)}`, { signal })).events;
}

export interface LogOptions {
  namespace: string;
  pod: string;
  container?: string;
  tailLines: number;
}

const logQuery = (o: LogOptions, follow: boolean): string => {
  const q = new URLSearchParams({ namespace: o.namespace, pod: o.pod });
  if (o.container) q.set('container', o.container);
  q.set('tailLines', String(o.tailLines));
  q.set('follow', String(follow));
  return q.toString();
};

export async function getLogs(client: ApiClient, ref: AppRef, options: LogOptions, signal?: AbortSignal): Promise<string[]> {
  return (await call<{ lines: string[] }>(client, `${appBase(ref)}/logs?${logQuery(options, false)}`, { signal })).lines;
}

/**
 * Follows a pod's log (text/event-stream of `event: line`, `data: <JSON string>`) until the signal
 * aborts or the stream ends; resolves then, rejects with the API's error.
 */
export async function followLogs(client: ApiClient, ref: AppRef, options: LogOptions, onLines: (lines: string[]) => void, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await client.fetch(`${appBase(ref)}/logs?${logQuery(options, true)}`, { signal, headers: { accept: 'text/event-stream' } });
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
        if (message.event !== 'line') continue;
        try {
          const line: unknown = JSON.parse(message.data);
          if (typeof line === 'string') lines.push(line);
        } catch {
          // not a JSON string: skip it
        }
      }
      if (lines.length > 0) onLines(lines);
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    if (signal.aborted) void reader.cancel().catch(() => undefined);
  }
}

/** Deletes everything the app applied in the environment; `confirm` must be the app's name. */
export function deleteApp(client: ApiClient, ref: AppRef): Promise<DeleteAnswer | undefined> {
  return call(client, appBase(ref), { method: 'DELETE', body: JSON.stringify({ confirm: ref.app }) });
}
