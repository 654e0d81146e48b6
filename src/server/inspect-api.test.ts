// The inspection API (an app's live objects, their Events, pod logs, delete, crashes, commits)
// against a FakeAgent: shapes, roles, scope, masking, and a followed log's clean-up.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CrashReport } from '../notify/index.ts';
import { appState, FakeAgent } from './fake-agent.ts';
import { startTestServer, type TestServer } from './testing.ts';

/** Polls `condition` until it holds; the bound only ends a test that fails. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const dev = { app: 'guestbook', env: 'dev' };
const other = { app: 'billing', env: 'dev' };
const secretText = 's3cr3t-p4ssw0rd-value';
const b64 = (text: string): string => Buffer.from(text).toString('base64');
const deleteBody = (confirm: unknown): RequestInit => ({ method: 'DELETE', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm }) });

describe('inspection API', () => {
  let t: TestServer;
  let agent: FakeAgent;

  before(async () => {
    agent = new FakeAgent([appState('guestbook', 'dev'), appState('billing', 'dev')]);
    t = await startTestServer({ eventKeepAliveMs: 60_000 }, agent);
    agent.putObject(dev, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'db',
        namespace: 'guestbook',
        uid: 'u-1',
        managedFields: [{ manager: 'capstan', operation: 'Apply' }],
        annotations: {
          'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ stringData: { password: secretText } }),
          'example.com/copy': `password=${secretText}`,
          'example.com/owner': 'team-a',
        },
      },
      data: { password: b64(secretText) },
      stringData: { other: secretText },
    });
    agent.putObject(dev, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'guestbook' }, spec: { replicas: 2 } });
    agent.putObject(other, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prices', namespace: 'billing' }, data: { a: '1' } });
    agent.putEvents(dev, { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'guestbook', name: 'web' }, [
      { type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-1 to 2', count: 1, lastTimestamp: '2024-05-01T12:00:00Z', source: 'deployment-controller' },
    ]);
    agent.putLog(dev, 'guestbook', 'web-1', ['one', 'two', 'three']);
    agent.putLog(other, 'billing', 'prices-1', ['billing line']);
  });
  after(() => t.close());

  it('shows a live object of the app without managedFields, a Secret masked everywhere it shows', async () => {
    const response = await t.call('/api/v1/apps/dev/guestbook/object?apiVersion=v1&kind=Secret&namespace=guestbook&name=db', { token: 'read' });
    assert.equal(response.status, 200);
    const text = await response.text();
    assert.ok(!text.includes(secretText) && !text.includes(b64(secretText)), `no Secret value in ${text}`);
    const body = JSON.parse(text) as { apiVersion: string; key: object; manifest: { metadata: Record<string, unknown>; data: object; stringData: object } };
    assert.equal(body.apiVersion, 'v1');
    assert.deepEqual(body.key, { group: '', kind: 'Secret', namespace: 'guestbook', name: 'db' });
    assert.deepEqual(body.manifest.data, { password: '*****' });
    assert.deepEqual(body.manifest.stringData, { other: '*****' });
    assert.deepEqual(body.manifest.metadata.annotations, { 'kubectl.kubernetes.io/last-applied-configuration': '*****', 'example.com/copy': '*****', 'example.com/owner': 'team-a' });
    assert.equal(body.manifest.metadata.managedFields, undefined);
    const deployment = (await (await t.call('/api/v1/apps/dev/guestbook/object?apiVersion=apps/v1&kind=Deployment&namespace=guestbook&name=web', { token: 'read' })).json()) as { manifest: { spec: unknown } };
    assert.deepEqual(deployment.manifest.spec, { replicas: 2 });
  });

  it('refuses an object that is not the app’s with a 404 naming it and the app', async () => {
    const response = await t.call('/api/v1/apps/dev/guestbook/object?apiVersion=v1&kind=ConfigMap&namespace=billing&name=prices', { token: 'read' });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: { category: 'not-found', message: 'ConfigMap/billing/prices is not an object of app guestbook/dev: neither in what it applied nor owned by its objects' } });
    const events = await t.call('/api/v1/apps/dev/guestbook/object/events?apiVersion=v1&kind=ConfigMap&namespace=billing&name=prices', { token: 'read' });
    assert.equal(events.status, 404);
    assert.equal((await t.call('/api/v1/apps/dev/guestbook/object?apiVersion=v1&kind=ConfigMap', { token: 'read' })).status, 400, 'no name');
    assert.equal((await t.call('/api/v1/apps/dev/nope/object?apiVersion=v1&kind=ConfigMap&name=x', { token: 'read' })).status, 404, 'no such app');
    assert.equal((await t.call('/api/v1/apps/dev/guestbook/object?apiVersion=v1&kind=Secret&namespace=guestbook&name=db')).status, 401);
  });

  it('lists the Events of an object of the app', async () => {
    const response = await t.call('/api/v1/apps/dev/guestbook/object/events?apiVersion=apps/v1&kind=Deployment&namespace=guestbook&name=web', { token: 'read' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      events: [{ type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-1 to 2', count: 1, lastTimestamp: '2024-05-01T12:00:00Z', source: 'deployment-controller' }],
    });
  });

  it('answers the last lines of a pod of the app, and 404 for a pod of another app', async () => {
    const all = await t.call('/api/v1/apps/dev/guestbook/logs?namespace=guestbook&pod=web-1', { token: 'read' });
    assert.equal(all.status, 200);
    assert.deepEqual(await all.json(), { lines: ['one', 'two', 'three'] });
    assert.deepEqual(await (await t.call('/api/v1/apps/dev/guestbook/logs?namespace=guestbook&pod=web-1&tailLines=2&follow=false', { token: 'read' })).json(), { lines: ['two', 'three'] });
    const foreign = await t.call('/api/v1/apps/dev/guestbook/logs?namespace=billing&pod=prices-1', { token: 'read' });
    assert.equal(foreign.status, 404);
    assert.match(((await foreign.json()) as { error: { message: string } }).error.message, /^Pod\/billing\/prices-1 is not an object of app guestbook\/dev/);
    for (const bad of ['tailLines=0', 'tailLines=5001', 'tailLines=ten', 'follow=yes']) {
      assert.equal((await t.call(`/api/v1/apps/dev/guestbook/logs?namespace=guestbook&pod=web-1&${bad}`, { token: 'read' })).status, 400, bad);
    }
  });

  it('follows a log as server-sent events, and stops reading when the client goes away', async () => {
    const abort = new AbortController();
    const response = await t.call('/api/v1/apps/dev/guestbook/logs?namespace=guestbook&pod=web-1&tailLines=1&follow=true', { token: 'read', signal: abort.signal });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = '';
    const readUntil = async (needle: string): Promise<void> => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${needle}: ${text}`);
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil('data: "three"\n\n');
    assert.ok(!text.includes('"two"'), 'tailLines=1');
    await waitFor(() => agent.followers === 1, 'the log to be followed');
    agent.appendLog(dev, 'guestbook', 'web-1', 'four "quoted"\tline');
    await readUntil(`event: line\ndata: ${JSON.stringify('four "quoted"\tline')}\n\n`);
    abort.abort();
    await waitFor(() => agent.followers === 0, 'the log stream to be stopped once the client went away');
  });

  it('deletes an app only for an admin who types its name', async () => {
    for (const token of ['read', 'deploy'] as const) {
      const refused = await t.call('/api/v1/apps/dev/guestbook', { ...deleteBody('guestbook'), token });
      assert.equal(refused.status, 403, token);
    }
    for (const confirm of ['billing', 'Guestbook', '', undefined]) {
      const response = await t.call('/api/v1/apps/dev/guestbook', { ...deleteBody(confirm), token: 'admin' });
      assert.equal(response.status, 400, String(confirm));
      assert.equal(((await response.json()) as { error: { message: string } }).error.message, 'deleting app "guestbook" from environment "dev" removes every object it applied there: confirm with the body {"confirm": "guestbook"}');
    }
    assert.equal((await t.call('/api/v1/apps/dev/guestbook', { method: 'DELETE', token: 'admin' })).status, 400, 'no body');
    assert.deepEqual(agent.deletes, [], 'nothing deleted');
    assert.equal(agent.app(dev)!.deleted, undefined);

    const response = await t.call('/api/v1/apps/dev/guestbook', { ...deleteBody('guestbook'), token: 'admin' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { app: 'guestbook', env: 'dev', revision: 'a'.repeat(40), result: 'Succeeded', changeSet: { changes: [] }, counts: { deleted: 1 } });
    assert.deepEqual(agent.deletes, [{ ref: dev, options: { who: 'ops' } }], 'recorded as done by the token’s name');
    const state = (await (await t.call('/api/v1/apps/dev/guestbook', { token: 'read' })).json()) as { deleted?: { by: string }; health: string };
    assert.deepEqual([state.deleted?.by, state.health], ['ops', 'Missing']);
  });

  it('lists the crashes the agent saw, newest first, at most 50', async () => {
    assert.deepEqual(await (await t.call('/api/v1/crashes', { token: 'read' })).json(), { reports: [] });
    const report = (i: number): CrashReport => ({ app: 'guestbook', env: 'dev', namespace: 'guestbook', pod: `web-${i}`, container: 'web', reason: 'CrashLoopBackOff', exitCode: 1, restartCount: i, time: new Date(Date.UTC(2024, 4, 1, 0, i)).toISOString(), logLines: ['panic'], release: { service: 'guestbook', artifact: 'a1', commit: 'abc1234', author: 'dev@example.com' } });
    for (let i = 1; i <= 60; i++) agent.putCrash(report(i));
    const body = (await (await t.call('/api/v1/crashes', { token: 'read' })).json()) as { reports: CrashReport[] };
    assert.equal(body.reports.length, 50);
    assert.deepEqual(body.reports[0], report(60));
    assert.equal(body.reports[49].pod, 'web-11');
    assert.equal((await t.call('/api/v1/crashes')).status, 401);
  });

  it('describes a commit by its SHA: 404 for an unknown one, 400 for what is not a SHA', async () => {
    const sha = '0123456789abcdef0123456789abcdef01234567';
    agent.putCommit({ sha, subject: 'web: two replicas', author: 'Alice <alice@example.com>', time: '2024-05-01T12:00:00+02:00' });
    assert.deepEqual(await (await t.call(`/api/v1/commits/${sha}`, { token: 'read' })).json(), { sha, subject: 'web: two replicas', author: 'Alice <alice@example.com>', time: '2024-05-01T12:00:00+02:00' });
    assert.equal(((await (await t.call('/api/v1/commits/0123456', { token: 'read' })).json()) as { sha: string }).sha, sha);
    assert.equal((await t.call('/api/v1/commits/fedcba9876', { token: 'read' })).status, 404);
    for (const bad of ['012345', 'main', `${sha}0`, 'HEAD~1', '--all']) {
      const response = await t.call(`/api/v1/commits/${encodeURIComponent(bad)}`, { token: 'read' });
      assert.equal(response.status, 400, bad);
      assert.equal(((await response.json()) as { error: { message: string } }).error.message, 'a commit SHA is 7 to 40 hexadecimal characters');
    }
  });
});
