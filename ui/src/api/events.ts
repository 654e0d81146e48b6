// The live events of GET /api/v1/events (server-sent events), read with fetch and a stream reader
// so that the Authorization header can be sent (EventSource cannot send it). A dropped stream is
// reconnected with backoff; the clock is injected so tests need no wall time.
import type { AppState } from './client.ts';

export interface SseMessage {
  event: string;
  data: string;
}

/** An incremental parser of the text/event-stream format: feed it chunks, get whole messages. */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseMessage[] {
    this.buffer += chunk;
    const out: SseMessage[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(this.buffer);
      // A lone \r at the end may be the first half of \r\n: wait for more.
      if (!match || (match[0] === '\r' && match.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      if (line === '') {
        if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n') });
        this.event = '';
        this.data = [];
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.event = value;
      else if (field === 'data') this.data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    }
    return out;
  }
}

export type AgentEvent =
  | { type: 'app'; state: AppState }
  | { type: 'revision'; revision: string; trigger: string; changedApps: string[]; who?: string }
  | { type: 'sync'; state: AppState; result: unknown }
  | { type: 'drift'; state: AppState; objects: string[] };

/** The AppState an event carries, if any. */
export function stateOf(event: AgentEvent): AppState | undefined {
  return 'state' in event ? event.state : undefined;
}

export type StreamStatus = 'connecting' | 'open' | 'lost' | 'unauthorized' | 'closed';

export interface Clock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventStreamOptions {
  /** Opens the stream (with the token): `client.fetch('/api/v1/events', init)`. */
  open(init: RequestInit): Promise<Response>;
  onEvent(event: AgentEvent): void;
  onStatus(status: StreamStatus, detail?: string): void;
  clock?: Clock;
  /** Delay before the nth reconnect (n from 0); default 1 s doubling up to 30 s. */
  backoff?(attempt: number): number;
}

export const defaultBackoff = (attempt: number): number => Math.min(30_000, 1000 * 2 ** attempt);

const realClock: Clock = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Keeps the events stream open until `close()`: every event goes to onEvent; onStatus says
 * `open` once connected, `lost` when it drops (then reconnects after backoff(attempt)),
 * `unauthorized` on 401 (no reconnect: the token is no longer valid).
 */
export function connectEvents(options: EventStreamOptions): { close(): void } {
  const clock = options.clock ?? realClock;
  const backoff = options.backoff ?? defaultBackoff;
  let attempt = 0;
  let closed = false;
  let timer: unknown;
  let controller: AbortController | undefined;

  const retry = (detail: string): void => {
    if (closed) return;
    options.onStatus('lost', detail);
    timer = clock.setTimeout(() => {
      timer = undefined;
      void run();
    }, backoff(attempt++));
  };

  const run = async (): Promise<void> => {
    if (closed) return;
    controller = new AbortController();
    options.onStatus('connecting');
    let res: Response;
    try {
      res = await options.open({ signal: controller.signal, headers: { accept: 'text/event-stream' } });
    } catch (err) {
      return retry(err instanceof Error ? err.message : String(err));
    }
    if (closed) return;
    if (res.status === 401) {
      options.onStatus('unauthorized');
      return;
    }
    if (!res.ok || !res.body) return retry(`HTTP ${res.status}`);
    attempt = 0;
    options.onStatus('open');
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        for (const message of parser.push(decoder.decode(value, { stream: true }))) {
          let event: AgentEvent;
          try {
            event = JSON.parse(message.data) as AgentEvent;
          } catch {
            continue;
          }
          if (typeof event === 'object' && event !== null && typeof event.type === 'string') options.onEvent(event);
        }
      }
    } catch (err) {
      if (closed) return;
      return retry(err instanceof Error ? err.message : String(err));
    }
    retry('the stream ended');
  };

  void run();
  return {
    close() {
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      controller?.abort();
      options.onStatus('closed');
    },
  };
}
