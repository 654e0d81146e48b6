// Namespaces are the app's only when it created them: never adopted, never deleted while they hold
// anything the app does not delete with them. Small repos of their own, one sandbox.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { annotations, formatChange, labels, type Manifest } from '../core/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import type { SyncResult } from './engine.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const configMap = (name: string, namespace?: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${namespace ? `  namespace: ${namespace}\n` : ''}data: { a: "1" }\n`;

const deployment = (name: string): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: 1\n  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata: { labels: { app: ${name} } }\n    spec: { containers: [{ name: ${name}, image: nginx:1.27 }] }\n`;

const service = (name: string): string => `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: { app: ${name} }\n  ports: [{ port: 80 }]\n`;

const project = (apps: string): string => `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n${apps}`;

const ns = (name: string) => ({ group: '', kind: 'Namespace', namespace: '', name });
const cm = (namespace: string, name: string) => ({ group: '', kind: 'ConfigMap', namespace, name });

/** Every change but the unchanged ones, as `Kind/ns/name action: message`. */
function changes(result: SyncResult): string[] {
  return result.changeSet.changes.filter((c) => c.action !== 'unchanged').map(formatChange);
}

function succeeded(result: SyncResult): SyncResult {
  assert.equal(result.result, 'Succeeded', result.error?.message);
  return result;
}

describe('engine: namespaces are never adopted and never deleted with what they hold', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  /** An object made by hand, as kubectl would (no capstan annotations). */
  async function byHand(object: Manifest): Promise<void> {
    await fx.client.apply(object, { fieldManager: 'kubectl' });
  }

  async function inventoryOf(app: string): Promise<string[]> {
    const store = await fx.client.get('v1', cm('capstan-system', `capstan.${app}.dev`));
    const parsed = JSON.parse((store?.data as Record<string, string>)['inventory.json']!) as { objects: { key: { kind: string; namespace: string; name: string } }[] };
    return parsed.objects.map((o) => `${o.key.kind}/${o.key.namespace ? `${o.key.namespace}/` : ''}${o.key.name}`);
  }

  test('createNamespace on default leaves it as it is, and deleting the app leaves default and what others put there', async () => {
    await byHand({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'hand-made', namespace: 'default' }, data: { keep: 'me' } });
    const repo = await makeRepo({ 'capstan.yaml': project('  - { name: shop, source: shop, namespace: default, createNamespace: true }\n'), 'shop/config.yaml': configMap('shop-config') });
    const applied = succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'shop', env: 'dev' }));
    assert.deepEqual(changes(applied), [
      'Namespace/default skipped: default is a namespace capstan never manages (default, kube-system, kube-public, kube-node-lease and its own): used as it is, never adopted, pruned or deleted',
      'ConfigMap/default/shop-config created',
    ]);
    const live = await fx.client.get('v1', ns('default'));
    assert.equal(live?.metadata.annotations?.[annotations.owner], undefined, 'not stamped as the app’s');
    assert.equal(live?.metadata.labels?.[labels.app], undefined, 'not labelled as the app’s');
    assert.deepEqual(await inventoryOf('shop'), ['ConfigMap/default/shop-config']);

    const again = succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'shop', env: 'dev' }));
    assert.equal(again.recorded, undefined, 'a second sync changes and records nothing');

    const deleted = succeeded(await fx.engine.delete({ repo: { url: repo.dir }, app: 'shop', env: 'dev' }));
    assert.deepEqual(changes(deleted), ['ConfigMap/default/shop-config deleted']);
    assert.ok(await fx.client.get('v1', ns('default')));
    assert.ok(await fx.client.get('v1', cm('default', 'hand-made')));
  });

  test('a namespace someone else made is used, never labelled, pruned or deleted', async () => {
    await byHand({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-made' } });
    await byHand({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-password', namespace: 'team-made' }, stringData: { password: 'hunter2' } });
    const repo = await makeRepo({ 'capstan.yaml': project('  - { name: shop2, source: shop, namespace: team-made, createNamespace: true }\n'), 'shop/config.yaml': configMap('shop-config') });
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'shop2', env: 'dev' }));
    assert.equal((await fx.client.get('v1', ns('team-made')))?.metadata.annotations?.[annotations.owner], undefined);
    succeeded(await fx.engine.delete({ repo: { url: repo.dir }, app: 'shop2', env: 'dev' }));
    assert.ok(await fx.client.get('v1', ns('team-made')));
    assert.ok(await fx.client.get('v1', { group: '', kind: 'Secret', namespace: 'team-made', name: 'db-password' }));
  });

  test('deleting an app leaves its namespace while it holds what the app did not apply, and names those objects', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project('  - { name: owned, source: owned, namespace: owned-ns, createNamespace: true }\n'), 'owned/config.yaml': configMap('app-config') });
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'owned', env: 'dev' }));
    await byHand({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'notes', namespace: 'owned-ns' }, data: { written: 'by a person' } });

    const deleted = succeeded(await fx.engine.delete({ repo: { url: repo.dir }, app: 'owned', env: 'dev' }));
    assert.deepEqual(changes(deleted), ['ConfigMap/owned-ns/app-config deleted', 'Namespace/owned-ns skipped: not deleted: it still holds 1 object that owned/dev did not apply: ConfigMap/owned-ns/notes']);
    assert.ok(await fx.client.get('v1', cm('owned-ns', 'notes')));
    assert.deepEqual(await inventoryOf('owned'), ['Namespace/owned-ns'], 'the namespace stays the app’s, for a later delete');

    await fx.client.delete('v1', cm('owned-ns', 'notes'));
    const finished = succeeded(await fx.engine.delete({ repo: { url: repo.dir }, app: 'owned', env: 'dev' }));
    assert.deepEqual(changes(finished), ['Namespace/owned-ns deleted']);
  });

  test('turning createNamespace off keeps the namespace while the app still has objects in it; it goes once they moved', async () => {
    const app = (namespace: string, create: boolean) => project(`  - { name: web, source: web, namespace: ${namespace}, createNamespace: ${create} }\n`);
    const repo = await makeRepo({ 'capstan.yaml': app('web-ns', true), 'web/deployment.yaml': deployment('web'), 'web/service.yaml': service('web') });
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' }));

    await commit(repo.dir, { 'capstan.yaml': app('web-ns', false) }, 'the namespace is made elsewhere now');
    const kept = succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' }));
    assert.deepEqual(changes(kept), ['Namespace/web-ns skipped: not deleted: web/dev still has 2 objects in it: Deployment/web-ns/web, Service/web-ns/web']);
    assert.ok(await fx.client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'web-ns', name: 'web' }));
    assert.equal(kept.health?.status, 'Healthy');
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' }));

    await commit(repo.dir, { 'capstan.yaml': app('web-ns2', true) }, 'move the app');
    const moved = succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'web', env: 'dev' }));
    assert.deepEqual(changes(moved).filter((c) => !c.includes('web-ns2')), ['Deployment/web-ns/web deleted', 'Service/web-ns/web deleted', 'Namespace/web-ns deleted']);
  });

  test('removing the Namespace from git while objects stay in it does not delete them', async () => {
    const namespace = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: explicit-ns\n';
    const repo = await makeRepo({ 'capstan.yaml': project('  - { name: explicit, source: explicit, namespace: explicit-ns }\n'), 'explicit/ns.yaml': namespace, 'explicit/config.yaml': configMap('settings') });
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'explicit', env: 'dev' }));
    await commit(repo.dir, { 'explicit/ns.yaml': null }, 'the namespace is made elsewhere now');
    const result = succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'explicit', env: 'dev' }));
    assert.deepEqual(changes(result), ['Namespace/explicit-ns skipped: not deleted: explicit/dev still has 1 object in it: ConfigMap/explicit-ns/settings']);
    assert.ok(await fx.client.get('v1', cm('explicit-ns', 'settings')));
  });

  test('two apps share a namespace, both with createNamespace; deleting one never removes the other’s objects', async () => {
    const apps = '  - { name: first, source: first, namespace: team-shared, createNamespace: true }\n  - { name: second, source: second, namespace: team-shared, createNamespace: true }\n';
    const repo = await makeRepo({ 'capstan.yaml': project(apps), 'first/config.yaml': configMap('first-config'), 'second/config.yaml': configMap('second-config') });
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'first', env: 'dev' }));
    const second = succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'second', env: 'dev' }));
    assert.deepEqual(changes(second), [
      'Namespace/team-shared skipped: exists and was created by first/dev: used as it is, never adopted, pruned or deleted by second/dev',
      'ConfigMap/team-shared/second-config created',
    ]);

    const deleted = succeeded(await fx.engine.delete({ repo: { url: repo.dir }, app: 'first', env: 'dev' }));
    assert.deepEqual(changes(deleted), [
      'ConfigMap/team-shared/first-config deleted',
      'Namespace/team-shared skipped: not deleted: it still holds 1 object that first/dev did not apply: ConfigMap/team-shared/second-config',
    ]);
    assert.ok(await fx.client.get('v1', cm('team-shared', 'second-config')));
    succeeded(await fx.engine.sync({ repo: { url: repo.dir }, app: 'second', env: 'dev' }));
  });
});
