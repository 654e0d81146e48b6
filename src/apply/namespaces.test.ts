// Namespaces in a prune: which ones are never deleted, and what a namespace may hold when it goes.
// A sandbox over HTTPS through the real KubeClient; each test in namespaces of its own.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatChange, type Manifest } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan } from '../plan/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { applyPlan, stampOwner, type ApplyPlanOptions } from './index.ts';

let sandbox: Sandbox;
let client: KubeClient;

before(async () => {
  sandbox = await startSandbox({ port: 0, token: 'namespaces-test', podReadyDelayMs: 30 });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

const owner = { app: 'shop', env: 'dev' };
const nsKey = (name: string) => ({ group: '', kind: 'Namespace', namespace: '', name });
const target = (name: string) => ({ apiVersion: 'v1', key: nsKey(name) });

function prune(names: string[], extra: Partial<ApplyPlanOptions> = {}) {
  return applyPlan(client, buildPlan([]), { owner, allowEmpty: true, prune: names.map(target), ...extra });
}

/** Applies an object as the app would have (stamped), with capstan's field manager. */
async function asTheApp(object: Manifest): Promise<Manifest> {
  return client.apply(stampOwner(object, owner), { fieldManager: 'capstan' });
}

test('default, kube-* and capstan’s own namespace are never deleted, even when an inventory lists them as the app’s', async () => {
  await asTheApp({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-public' } });
  await asTheApp({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } });
  const result = await prune(['kube-public', 'capstan-system'], { protectedNamespaces: ['capstan-system'] });
  assert.deepEqual(result.changeSet.changes.map(formatChange), [
    'Namespace/kube-public skipped: not deleted: kube-public is a namespace capstan never manages (default, kube-system, kube-public, kube-node-lease and its own): used as it is, never adopted, pruned or deleted',
    'Namespace/capstan-system skipped: not deleted: capstan-system is a namespace capstan never manages (default, kube-system, kube-public, kube-node-lease and its own): used as it is, never adopted, pruned or deleted',
  ]);
  assert.deepEqual(result.applied, [], 'they are no longer the app’s');
  assert.ok(await client.get('v1', nsKey('kube-public')));
  assert.ok(await client.get('v1', nsKey('capstan-system')));
});

test('a namespace goes with what Kubernetes made in it and what is already going; anything else keeps it, and a dry run says so', async () => {
  await asTheApp({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns-made' } });
  // what every namespace holds, and what controllers make for the app's objects
  await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'ns-made' }, data: { 'ca.crt': 'x' } }, { fieldManager: 'kube-controller-manager' });
  await client.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'ns-made' } }, { fieldManager: 'kube-controller-manager' });
  const web = await asTheApp({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'ns-made' } });
  await client.apply(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-child', namespace: 'ns-made', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'web', uid: web.metadata.uid as string }] } },
    { fieldManager: 'some-controller' },
  );
  await client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'ns-made' }, spec: { ports: [{ port: 80 }] } }, { fieldManager: 'kubectl' });
  await client.apply({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'ns-made' } }, { fieldManager: 'kube-controller-manager' });
  await client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'kept', namespace: 'ns-made', annotations: { 'capstan.dev/owner': 'shop/dev' } } }, { fieldManager: 'capstan' });

  const webTarget = { apiVersion: 'v1', key: { group: '', kind: 'ConfigMap', namespace: 'ns-made', name: 'web' } };
  const dry = await applyPlan(client, buildPlan([]), { owner, allowEmpty: true, dryRunOnly: true, prune: [webTarget, target('ns-made')] });
  assert.deepEqual(dry.changeSet.changes.map(formatChange), [
    'ConfigMap/ns-made/web deleted',
    'Namespace/ns-made skipped: not deleted: it still holds 1 object that shop/dev did not apply: Service/ns-made/web; and 1 object that shop/dev keeps: Secret/ns-made/kept',
  ]);
  assert.deepEqual(dry.applied, [target('ns-made')], 'it stays in the inventory for a later sync');

  await client.delete('v1', { group: '', kind: 'Service', namespace: 'ns-made', name: 'web' });
  await client.delete('v1', { group: '', kind: 'Secret', namespace: 'ns-made', name: 'kept' });
  // the app's own object, deleted by this sync's prune before the namespace
  assert.ok(await client.get('v1', webTarget.key), 'a dry run deletes nothing');
  const result = await applyPlan(client, buildPlan([]), { owner, allowEmpty: true, prune: [webTarget, target('ns-made')] });
  assert.deepEqual(result.changeSet.changes.map(formatChange), ['ConfigMap/ns-made/web deleted', 'Namespace/ns-made deleted']);
  assert.deepEqual(result.applied, []);
});
