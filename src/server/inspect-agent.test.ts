// The inspection API end to end: a real agent on a sandbox over HTTPS, the server in front of it.
// Objects of the app and what they own are shown (Secrets masked), others are not; Events, pod
// logs, commits; DELETE removes the app's objects and the agent does not bring them back until a
// new commit changes the app or someone syncs it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAgent, type Agent } from '../agent/index.ts';
import type { Manifest } from '../core/index.ts';
import { startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createServer, type CapstanServer } from './create-server.ts';
import { testTokens, testTokenStore } from './testing.ts';

/** Polls `condition` until it holds; the bound only ends a test that fails, so it is generous for a loaded machine. */
async function waitFor<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const password = 'pa55-w0rd-only-in-the-secret';
const image = 'nginx:1.27-private-tag';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    namespace: web
    createNamespace: true
  - name: other
    source: apps/other
    namespace: other
    createNamespace: true
`;

const web = (version: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: web
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ${image}
          envFrom: [{ secretRef: { name: web-secret } }]
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
  namespace: web
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"PASSWORD":"${password}"}}'
stringData:
  PASSWORD: ${password}
  IMAGE: ${image}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: web
data:
  version: "${version}"
`;

const other = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: other
  namespace: other
spec:
  replicas: 1
  selector: { matchLabels: { app: other } }
  template:
    metadata: { labels: { app: other } }
    spec:
      containers: [{ name: other, image: nginx:1.27 }]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: other
  namespace: other
data: { a: "1" }
`;

describe('inspection API on a real agent', () => {
  let fx: EngineFixture;
  let git: GitCache;
  let repo: string;
  let head: string;
  let agent: Agent;
  let server: CapstanServer;
  let webPod: string;
  let otherPod: string;
  const ref = { app: 'web', env: 'dev' };

  const call = (url: string, init: RequestInit & { token?: keyof typeof testTokens } = {}): Promise<Response> => {
    const { token = 'read', ...rest } = init;
    const headers = new Headers(rest.headers);
    headers.set('authorization', `Bearer ${testTokens[token]}`);
    return fetch(server.url + url, { ...rest, headers });
  };
  const runningPod = (namespace: string): Promise<string> =>
    waitFor(async () => (await fx.client.list('v1', 'Pod', { namespace })).items.find((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running')?.metadata.name, `a running pod in ${namespace}`);
  const configMap = (): Promise<Manifest | undefined> => fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'web', name: 'web' });

  before(async () => {
    git = new GitCache({ dir: mkdtempSync(path.join(os.tmpdir(), 'capstan-inspect-')) });
    fx = await startEngineFixture({ git });
    ({ dir: repo, sha: head } = await makeRepo({ 'capstan.yaml': project, 'apps/web/app.yaml': web('1'), 'apps/other/app.yaml': other }));
    agent = createAgent({ engine: fx.engine, repo: { url: repo }, git, clientFor: async () => fx.client, pollIntervalMs: 0 });
    await agent.start();
    await agent.idle();
    server = await createServer({ agent, tokens: testTokenStore(), webhookSecrets: {}, version: 'test' });
    [webPod, otherPod] = await Promise.all([runningPod('web'), runningPod('other')]);
  });
  after(async () => {
    await server?.close();
    await agent?.stop();
    await fx?.stop();
    rmSync(git.dir, { recursive: true, force: true, maxRetries: 10 });
    rmSync(repo, { recursive: true, force: true, maxRetries: 10 });
  });

  it('shows a Secret of the app with every value and the last-applied annotation masked', async () => {
    const response = await call('/api/v1/apps/dev/web/object?apiVersion=v1&kind=Secret&namespace=web&name=web-secret');
    assert.equal(response.status, 200);
    const text = await response.text();
    for (const value of [password, Buffer.from(password).toString('base64'), image, Buffer.from(image).toString('base64')]) assert.ok(!text.includes(value), `the Secret's value is nowhere in ${text}`);
    const body = JSON.parse(text) as { key: object; manifest: Manifest & { data: Record<string, string> } };
    assert.deepEqual(body.key, { group: '', kind: 'Secret', namespace: 'web', name: 'web-secret' });
    assert.deepEqual(body.manifest.data, { IMAGE: '*****', PASSWORD: '*****' });
    assert.equal(body.manifest.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], '*****');
    assert.equal(body.manifest.metadata.managedFields, undefined);
  });

  it('shows what the app’s objects own (a Deployment’s Pod), and nothing of another app', async () => {
    const pod = await call(`/api/v1/apps/dev/web/object?apiVersion=v1&kind=Pod&namespace=web&name=${webPod}`);
    assert.equal(pod.status, 200);
    assert.equal(((await pod.json()) as { manifest: Manifest }).manifest.metadata.name, webPod);
    const foreign = await call('/api/v1/apps/dev/web/object?apiVersion=v1&kind=ConfigMap&namespace=other&name=other');
    assert.equal(foreign.status, 404);
    assert.equal(((await foreign.json()) as { error: { message: string } }).error.message, 'ConfigMap/other/other is not an object of app web/dev: neither in what it applied nor owned by its objects');
    assert.equal((await call(`/api/v1/apps/dev/web/object?apiVersion=v1&kind=Pod&namespace=other&name=${otherPod}`)).status, 404, 'a pod of another app');
    assert.equal((await call('/api/v1/apps/dev/web/object?apiVersion=v1&kind=Namespace&name=other')).status, 404, 'a cluster-scoped object it did not apply');
  });

  it('lists the Events about an object of the app, newest first, and no others', async () => {
    const deployment = (await fx.client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }))!;
    const event = (name: string, involved: Record<string, unknown>, reason: string, last: string): Manifest => ({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'web' },
      involvedObject: { namespace: 'web', name: 'web', ...involved },
      reason,
      message: `${reason} happened`,
      type: 'Normal',
      count: 2,
      firstTimestamp: '2024-05-01T10:00:00Z',
      lastTimestamp: last,
      source: { component: 'test-controller' },
    });
    await fx.client.apply(event('web.older', { apiVersion: 'apps/v1', kind: 'Deployment', uid: deployment.metadata.uid }, 'Older', '2024-05-01T11:00:00Z'));
    await fx.client.apply(event('web.newer', { apiVersion: 'apps/v1', kind: 'Deployment' }, 'Newer', '2024-05-01T12:00:00Z'));
    await fx.client.apply(event('web.stale', { apiVersion: 'apps/v1', kind: 'Deployment', uid: 'a-deleted-deployment' }, 'Stale', '2024-05-01T13:00:00Z'));
    await fx.client.apply(event('web.cm', { apiVersion: 'v1', kind: 'ConfigMap' }, 'OfTheConfigMap', '2024-05-01T14:00:00Z'));
    const response = await call('/api/v1/apps/dev/web/object/events?apiVersion=apps/v1&kind=Deployment&namespace=web&name=web');
    assert.equal(response.status, 200);
    const { events } = (await response.json()) as { events: Array<{ reason: string }> };
    assert.deepEqual(
      events.filter((e) => ['Older', 'Newer', 'Stale', 'OfTheConfigMap'].includes(e.reason)),
      [
        { type: 'Normal', reason: 'Newer', message: 'Newer happened', count: 2, firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T12:00:00Z', source: 'test-controller' },
        { type: 'Normal', reason: 'Older', message: 'Older happened', count: 2, firstTimestamp: '2024-05-01T10:00:00Z', lastTimestamp: '2024-05-01T11:00:00Z', source: 'test-controller' },
      ],
    );
  });

  it('answers a pod’s last log lines, the app’s Secret values masked; a pod of another app is a 404', async () => {
    const response = await call(`/api/v1/apps/dev/web/logs?namespace=web&pod=${webPod}&container=web`);
    assert.equal(response.status, 200);
    const { lines } = (await response.json()) as { lines: string[] };
    assert.ok(lines.some((l) => l.includes('"web" is ready')), JSON.stringify(lines));
    assert.ok(lines.some((l) => l.includes('(image ******)')) && !JSON.stringify(lines).includes(image), `the Secret's value is masked: ${JSON.stringify(lines)}`);
    const tail = (await (await call(`/api/v1/apps/dev/web/logs?namespace=web&pod=${webPod}&tailLines=1`)).json()) as { lines: string[] };
    assert.deepEqual(tail.lines, [lines.at(-1)]);
    const foreign = await call(`/api/v1/apps/dev/web/logs?namespace=other&pod=${otherPod}`);
    assert.equal(foreign.status, 404);
    assert.match(((await foreign.json()) as { error: { message: string } }).error.message, new RegExp(`^Pod/other/${otherPod} is not an object of app web/dev`));
  });

  it('follows a log as server-sent events until the log ends', async () => {
    const response = await call(`/api/v1/apps/dev/web/logs?namespace=web&pod=${webPod}&follow=true`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const text = await response.text(); // the sandbox's log ends: so does the stream
    assert.match(text, /^event: line\ndata: "/);
    assert.ok(text.includes('is ready') && text.endsWith('event: end\ndata: {}\n\n'), text);
  });

  it('describes a commit of the config repo', async () => {
    const response = await call(`/api/v1/commits/${head.slice(0, 10)}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { sha: string; subject: string; author: string; time: string };
    assert.deepEqual([body.sha, body.author], [head, 'Test <test@example.com>']);
    assert.equal(typeof body.subject, 'string');
    assert.ok(!Number.isNaN(Date.parse(body.time)));
    assert.equal((await call(`/api/v1/commits/${'0'.repeat(40)}`)).status, 404);
  });

  it('deletes the app on a confirmed admin request; the agent does not re-create it until a new commit changes it or someone syncs it', async () => {
    assert.equal((await call('/api/v1/apps/dev/web', { method: 'DELETE', token: 'deploy', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm: 'web' }) })).status, 403);
    const wrong = await call('/api/v1/apps/dev/web', { method: 'DELETE', token: 'admin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm: 'other' }) });
    assert.equal(wrong.status, 400);
    assert.ok(await configMap(), 'nothing deleted');

    const response = await call('/api/v1/apps/dev/web', { method: 'DELETE', token: 'admin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm: 'web' }) });
    assert.equal(response.status, 200);
    const result = (await response.json()) as { result: string; counts: Record<string, number> };
    assert.equal(result.result, 'Succeeded');
    assert.ok(result.counts.deleted >= 3, JSON.stringify(result.counts));
    assert.equal(await configMap(), undefined);
    const state = agent.app(ref)!;
    assert.deepEqual([state.deleted?.by, state.health, state.sync], ['ops', 'Missing', 'OutOfSync']);
    const history = await agent.history(ref);
    assert.deepEqual([history.at(-1)?.operation, history.at(-1)?.who], ['delete', 'ops']);

    // a refresh, a poll of the same commit: compared, reported, not synced
    await agent.refresh('manual', ref);
    await agent.refresh('poll');
    await agent.idle();
    assert.equal(await configMap(), undefined, 'not re-created');
    assert.deepEqual([agent.app(ref)!.sync, agent.app(ref)!.deleted?.by], ['OutOfSync', 'ops']);

    // a commit that changes another app leaves it deleted; one that changes it brings it back
    await commit(repo, { 'apps/other/app.yaml': other.replace('a: "1"', 'a: "2"') }, 'other: a=2');
    await agent.refresh('poll');
    await agent.idle();
    assert.equal(await configMap(), undefined, 'a commit of another app does not bring it back');
    await commit(repo, { 'apps/web/app.yaml': web('2') }, 'web: version 2');
    await agent.refresh('poll');
    await agent.idle();
    assert.equal(((await configMap())?.data as Record<string, string> | undefined)?.version, '2');
    assert.deepEqual([agent.app(ref)!.sync, agent.app(ref)!.deleted], ['Synced', undefined]);

    // deleted again, then synced by hand
    assert.equal((await call('/api/v1/apps/dev/web', { method: 'DELETE', token: 'admin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ confirm: 'web' }) })).status, 200);
    assert.equal(await configMap(), undefined);
    const sync = await call('/api/v1/apps/dev/web/sync', { method: 'POST', token: 'deploy' });
    assert.equal(sync.status, 200);
    assert.ok(await configMap(), 'a manual sync re-creates it');
    assert.equal(agent.app(ref)!.deleted, undefined);
  });
});
