import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { AgentApi, AgentEvent } from '../agent/index.ts';

export interface EventStreamOptions {
  /** Interval of the `: keep-alive` comment; default 15 s. */
  keepAliveMs?: number;
  /** A client that has this much unsent output is too slow and is disconnected; default 8 MiB. */
  maxBufferedBytes?: number;
}

/**
 * The server-sent event streams of `/api/v1/events`. A stream starts with the state of every app
 * (`event: app`), then carries every AgentEvent as `event: <type>` + `data: <the event as JSON>`,
 * with a `: keep-alive` comment every 15 s. `closeAll` ends every stream (on server close).
 */
export class EventStreams {
  private readonly open = new Set<() => void>();
  private readonly keepAliveMs: number;
  private readonly maxBufferedBytes: number;

  constructor(options: EventStreamOptions = {}) {
    this.keepAliveMs = options.keepAliveMs ?? 15_000;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  }

  get size(): number {
    return this.open.size;
  }

  serve(agent: AgentApi, reply: FastifyReply, log: FastifyBaseLogger): void {
    const res = startEventStream(reply);
    let closed = false;
    const close = (): void => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(keepAlive);
      this.open.delete(close);
      if (!res.writableEnded) res.end();
    };
    const write = (chunk: string): void => {
      if (closed) return;
      if (res.writableLength > this.maxBufferedBytes) {
        log.warn({ buffered: res.writableLength }, 'event stream client too slow: disconnected');
        close();
        return;
      }
      res.write(chunk);
    };
    const send = (event: AgentEvent): void => write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
    // The snapshot and the subscription happen in one tick: no event can fall between them.
    write('retry: 3000\n\n');
    for (const state of agent.apps()) send({ type: 'app', state });
    const unsubscribe = agent.subscribe(send);
    const keepAlive = setInterval(() => write(': keep-alive\n\n'), this.keepAliveMs);
    keepAlive.unref();
    this.open.add(close);
    res.on('close', close);
    res.on('error', close);
  }

  /** Registers another stream (a followed log) for `closeAll` to end; the function returned unregisters it. */
  hold(close: () => void): () => void {
    this.open.add(close);
    return () => this.open.delete(close);
  }

  closeAll(): void {
    for (const close of [...this.open]) close();
  }
}

/** Takes the response over from fastify and starts a server-sent event stream on it (no caching, no proxy buffering). */
export function startEventStream(reply: FastifyReply): ServerResponse {
  reply.hijack();
  const res: ServerResponse = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  return res;
}
