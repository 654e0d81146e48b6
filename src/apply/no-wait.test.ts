// Flux's `wait: false`: a sync ends once everything is applied, healthy or not; hooks are still
// waited for. Against a sandbox API server, with a Deployment whose pods crash-loop.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import type { Manifest } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan } from '../plan/index.ts';
import { applyPlan, SyncFailedError, SyncTimeoutError, type ApplyProgressEvent } from './index.ts';

let sandbox: Sandbox;
let client: KubeClient;

before(async () => {
  sandbox = await startSandbox({ port: 0, token: 'no-wait-token', podReadyDelayMs: 20 });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

function objects(ns: string): Manifest[] {
  const labels = { app: 'web' };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: ns },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'busybox:crashloop' }] } } },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'later', namespace: ns, annotations: { 'capstan.dev/sync-wave': '1' } }, data: { a: '1' } },
  ];
}

const options = { owner: { app: 'web', env: 'dev' }, pollIntervalMs: 40, degradedGraceMs: 100, waitTimeoutMs: 10_000 };

test('by default a wave that never becomes healthy stops the sync before the next wave', async () => {
  // a short wait: the crash-looping Deployment fails it either way (Degraded or not healthy in time)
  const error = await applyPlan(client, buildPlan(objects('waits')), { ...options, waitTimeoutMs: 1_000 }).then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof SyncFailedError || error instanceof SyncTimeoutError, String(error));
  assert.equal(await client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'waits', name: 'later' }), undefined, 'wave 1 was applied');
});

test('wait: false applies every wave without waiting for health, and the sync succeeds', async () => {
  const events: ApplyProgressEvent[] = [];
  const result = await applyPlan(client, buildPlan(objects('no-wait')), { ...options, wait: false, onProgress: (e) => events.push(e) });
  assert.deepEqual(result.changeSet.changes.map((c) => `${c.key.kind}/${c.key.name} ${c.action}`), ['Namespace/no-wait created', 'Deployment/web created', 'ConfigMap/later created']);
  assert.ok(await client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'no-wait', name: 'later' }));
  assert.equal(events.filter((e) => e.type === 'healthy').length, 0, 'no stage was waited for');
});
