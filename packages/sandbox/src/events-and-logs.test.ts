// Events and previous logs as a real API server and kubelet answer them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from './index.ts';
import { eventually } from './testing.ts';

describe('Events and previous container logs', () => {
  let sandbox: Sandbox;
  const token = 'events-test';
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const send = (method: string, path: string, body?: unknown): Promise<Response> => fetch(`${sandbox.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });

  before(async () => {
    sandbox = await startSandbox({ port: 0, tls: false, token, podReadyDelayMs: 10, crashLoopRestartIntervalMs: 50 });
    await send('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  });
  after(() => sandbox.stop());

  const event = (extra: Record<string, unknown>): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `web.${Math.random().toString(16).slice(2)}`, namespace: 'shop' },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'shop', name: 'web' },
    reason: 'Crashed',
    message: 'container web crashed',
    type: 'Warning',
    ...extra,
  });

  test('an Event in the namespace of its object is stored and listed', async () => {
    const created = await send('POST', '/api/v1/namespaces/shop/events', event({ source: { component: 'capstan' }, count: 1 }));
    assert.equal(created.status, 201);
    const list = (await (await send('GET', '/api/v1/namespaces/shop/events?fieldSelector=reason%3DCrashed')).json()) as { items: unknown[] };
    assert.equal(list.items.length, 1);
  });

  test('an Event about an object of another namespace is refused, as the API server refuses it', async () => {
    const response = await send('POST', '/api/v1/namespaces/shop/events', event({ involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace: 'other', name: 'web' } }));
    assert.equal(response.status, 422);
    const status = (await response.json()) as { message: string };
    assert.match(status.message, /involvedObject\.namespace: Invalid value: "other": does not match event\.namespace/);
  });

  test('an Event with eventTime must name its reporting component and instance', async () => {
    const response = await send('POST', '/api/v1/namespaces/shop/events', event({ eventTime: '2024-05-01T12:00:00.000000Z' }));
    assert.equal(response.status, 422);
    const status = (await response.json()) as { message: string };
    assert.match(status.message, /reportingComponent: Required value/);
    assert.match(status.message, /reportingInstance: Required value/);
  });

  test('the previous log of a container that never ended is refused; after a crash it is the crashed run', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'loop', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'busybox:crashloop' }] } };
    assert.equal((await send('POST', '/api/v1/namespaces/shop/pods', pod)).status, 201);
    const healthy = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fine', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
    assert.equal((await send('POST', '/api/v1/namespaces/shop/pods', healthy)).status, 201);
    await eventually(async () => {
      const live = (await (await send('GET', '/api/v1/namespaces/shop/pods/fine')).json()) as { status?: { phase?: string } };
      return live.status?.phase === 'Running' ? true : undefined;
    });
    const refused = await send('GET', '/api/v1/namespaces/shop/pods/fine/log?previous=true');
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { message: string }).message, 'previous terminated container "app" in pod "fine" not found');
    const text = await eventually(async () => {
      const response = await send('GET', '/api/v1/namespaces/shop/pods/loop/log?previous=true&tailLines=2');
      return response.status === 200 ? response.text() : undefined;
    });
    assert.match(text, /panic: sandbox: container "app" was asked to crash \(exit code 1\)\n$/);
  });
});
