import { describe, expect, it } from 'vitest';
import { appState, FakeApi, ManualClock } from '../testing.ts';
import { createApiClient } from './client.ts';
import { connectEvents, SseParser, type AgentEvent, type StreamStatus } from './events.ts';

/** Lets pending promise callbacks (stream reads) run. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
};

describe('SseParser', () => {
  it('parses messages split anywhere across chunks, skips comments, joins multi-line data', () => {
    const parser = new SseParser();
    const text = 'retry: 3000\n\nevent: app\ndata: {"a":1}\n\n: keep-alive\n\nevent: sync\r\ndata: line1\r\ndata: line2\r\n\r\ndata: plain\n\n';
    const messages = [];
    for (const ch of text) messages.push(...parser.push(ch));
    expect(messages).toEqual([
      { event: 'app', data: '{"a":1}' },
      { event: 'sync', data: 'line1\nline2' },
      { event: 'message', data: 'plain' },
    ]);
    expect(parser.retryMs).toBe(3000);
  });

  it('keeps an unfinished message until its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('event: app\ndata: {}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ event: 'app', data: '{}' }]);
  });
});

describe('connectEvents', () => {
  function start(api: FakeApi, clock: ManualClock) {
    const client = createApiClient({ token: 'read-token', fetch: api.fetch });
    const events: AgentEvent[] = [];
    const statuses: StreamStatus[] = [];
    const stream = connectEvents({ open: (init) => client.fetch('/api/v1/events', init), clock, onEvent: (e) => events.push(e), onStatus: (s) => statuses.push(s) });
    return { events, statuses, stream };
  }

  it('sends the token, delivers the snapshot and later events', async () => {
    const api = new FakeApi({ apps: [appState('web', 'dev'), appState('web', 'prod')] });
    const { events, statuses, stream } = start(api, new ManualClock());
    await settle();
    expect(api.requests[0]).toEqual({ method: 'GET', path: '/api/v1/events', authorization: 'Bearer read-token' });
    expect(statuses).toEqual(['connecting', 'open']);
    expect(events.map((e) => e.type)).toEqual(['app', 'app']);
    api.streams[0].send({ type: 'sync', state: appState('web', 'dev', { sync: 'OutOfSync' }), result: {} });
    api.streams[0].write(': keep-alive\n\n');
    await settle();
    expect(events.map((e) => e.type)).toEqual(['app', 'app', 'sync']);
    stream.close();
    expect(api.openStreams).toBe(0);
  });

  it('reconnects after a drop with growing backoff, reset once connected', async () => {
    const api = new FakeApi({ apps: [appState('web', 'dev')] });
    const clock = new ManualClock();
    const { statuses, stream } = start(api, clock);
    await settle();
    api.streams[0].drop();
    await settle();
    expect(statuses.at(-1)).toBe('lost');
    expect(clock.pending).toEqual([1000]);

    api.eventsStatus = 503; // the agent restarts: two failed attempts
    clock.advance(1000);
    await settle();
    expect(statuses.at(-1)).toBe('lost');
    expect(clock.pending).toEqual([2000]);
    clock.advance(1999);
    await settle();
    expect(api.requests.length).toBe(2);
    clock.advance(1);
    await settle();
    expect(clock.pending).toEqual([4000]);

    api.eventsStatus = undefined;
    clock.advance(4000);
    await settle();
    expect(statuses.at(-1)).toBe('open');
    expect(api.openStreams).toBe(1);

    api.streams[0].drop();
    await settle();
    expect(clock.pending).toEqual([1000]);
    stream.close();
    expect(clock.pending).toEqual([]);
    expect(statuses.at(-1)).toBe('closed');
  });

  it('stops on 401: the token is no longer valid', async () => {
    const api = new FakeApi();
    const clock = new ManualClock();
    const client = createApiClient({ token: 'revoked', fetch: api.fetch });
    const statuses: StreamStatus[] = [];
    connectEvents({ open: (init) => client.fetch('/api/v1/events', init), clock, onEvent: () => {}, onStatus: (s) => statuses.push(s) });
    await settle();
    expect(statuses).toEqual(['connecting', 'unauthorized']);
    expect(clock.pending).toEqual([]);
  });
});
