import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appState } from './fake-agent.ts';
import { startTestServer, testTokens } from './testing.ts';

interface SseMessage {
  event?: string;
  data?: unknown;
  comment?: string;
}

/** Reads server-sent messages from a response body, one at a time. */
function sseReader(body: ReadableStream<Uint8Array>): { next(): Promise<SseMessage | undefined> } {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next() {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) message.comment = line.slice(1).trim();
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.data = JSON.parse(line.slice(6));
          }
          if (message.event || message.comment) return message;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
  };
}

describe('GET /api/v1/events', () => {
  it('needs a read token', async () => {
    const t = await startTestServer();
    try {
      assert.equal((await t.call('/api/v1/events')).status, 401);
    } finally {
      await t.close();
    }
  });

  it('starts with every app, then carries later events and keep-alives, and ends on server close', async () => {
    const t = await startTestServer({ eventKeepAliveMs: 50 });
    const res = await t.call('/api/v1/events', { token: 'read' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const sse = sseReader(res.body!);
    const first = await sse.next();
    const second = await sse.next();
    assert.deepEqual([first?.event, second?.event], ['app', 'app']);
    assert.deepEqual([first, second].map((m) => (m?.data as { state: { env: string } }).state.env), ['dev', 'prod']);
    assert.deepEqual(first?.data, { type: 'app', state: appState('guestbook', 'dev') });

    const synced = appState('guestbook', 'dev', { sync: 'Synced', revision: 'c'.repeat(40) });
    t.agent.emit({ type: 'sync', state: synced, result: { app: 'guestbook', env: 'dev', revision: 'c'.repeat(40), result: 'Succeeded', changeSet: { changes: [] }, counts: { configured: 1 } } });
    t.agent.emit({ type: 'revision', revision: 'd'.repeat(40), trigger: 'webhook', changedApps: ['guestbook'] });
    let message = await sse.next();
    while (message?.comment) message = await sse.next();
    assert.equal(message?.event, 'sync');
    assert.deepEqual((message?.data as { state: unknown }).state, synced);
    message = await sse.next();
    while (message?.comment) message = await sse.next();
    assert.deepEqual(message, { event: 'revision', data: { type: 'revision', revision: 'd'.repeat(40), trigger: 'webhook', changedApps: ['guestbook'] } });

    let keepAlive = await sse.next();
    while (keepAlive && !keepAlive.comment) keepAlive = await sse.next();
    assert.equal(keepAlive?.comment, 'keep-alive');

    assert.equal(t.agent.listenerCount, 1);
    const closed = t.close();
    let rest = await sse.next();
    while (rest) rest = await sse.next();
    await closed;
    assert.equal(t.agent.listenerCount, 0, 'the stream unsubscribed');
  });

  it('unsubscribes when the client goes away', async () => {
    const t = await startTestServer();
    try {
      const controller = new AbortController();
      const res = await fetch(`${t.url}/api/v1/events`, { headers: { authorization: `Bearer ${testTokens.read}` }, signal: controller.signal });
      const sse = sseReader(res.body!);
      await sse.next();
      assert.equal(t.agent.listenerCount, 1);
      controller.abort();
      for (const deadline = Date.now() + 30_000; t.agent.listenerCount > 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.equal(t.agent.listenerCount, 0);
    } finally {
      await t.close();
    }
  });
});
