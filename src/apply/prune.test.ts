// Prune and delete in parallel: deletes overlap, yet custom resources go before their CRD and
// everything in a namespace before the Namespace. A sandbox over HTTP (with the real cost model)
// through the real KubeClient.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { formatChange, formatKey, type Manifest, type ResourceKey } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan, computePrune, type PruneTarget } from '../plan/index.ts';
import { realCostProfile, startSandbox, type Sandbox } from '@capstan/sandbox';
import { applyPlan } from './index.ts';
import { pruneStages } from './prune.ts';

let sandbox: Sandbox;
let client: KubeClient;

before(async () => {
  // with the cost model, a delete is in flight at the sandbox as long as on a real API server
  sandbox = await startSandbox({ port: 0, tls: false, token: 'prune-test', podReadyDelayMs: 30, cost: realCostProfile });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

const owner = { app: 'shop', env: 'dev' };
const key = (group: string, kind: string, namespace: string, name: string): ResourceKey => ({ group, kind, namespace, name });
const target = (apiVersion: string, k: ResourceKey): PruneTarget => ({ apiVersion, key: k });

test('the targets are cut into stages only where order matters: objects, then CRDs, then Namespaces', () => {
  const crd = target('apiextensions.k8s.io/v1', key('apiextensions.k8s.io', 'CustomResourceDefinition', '', 'widgets.example.com'));
  const widget = target('example.com/v1', key('example.com', 'Widget', 'a', 'w'));
  const settings = target('v1', key('', 'ConfigMap', 'a', 'settings'));
  const role = target('rbac.authorization.k8s.io/v1', key('rbac.authorization.k8s.io', 'ClusterRole', '', 'reader'));
  const namespace = target('v1', key('', 'Namespace', '', 'a'));
  const names = (stages: PruneTarget[][]) => stages.map((stage) => stage.map((t) => formatKey(t.key)));
  assert.deepEqual(names(pruneStages([widget, settings, role, crd, namespace])), [['Widget/a/w', 'ConfigMap/a/settings', 'ClusterRole/reader'], ['CustomResourceDefinition/widgets.example.com'], ['Namespace/a']]);
  // in another order, cut at every change of kind: its order still holds
  assert.deepEqual(names(pruneStages([namespace, settings, crd, widget])), [['Namespace/a'], ['ConfigMap/a/settings'], ['CustomResourceDefinition/widgets.example.com'], ['Widget/a/w']]);
  assert.deepEqual(pruneStages([]), []);
});

test('an app is deleted with many deletes in flight; custom resources before their CRD, the namespace last; the result in reverse plan order', async () => {
  const ns = 'parallel-prune';
  const crd: Manifest = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.prune-test.example.com' },
    spec: {
      group: 'prune-test.example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  } as unknown as Manifest;
  const objects: Manifest[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
    crd,
    ...Array.from({ length: 40 }, (_, i): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `config-${i}`, namespace: ns }, data: { i: String(i) } })),
    ...Array.from({ length: 5 }, (_, i): Manifest => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${i}`, namespace: ns }, stringData: { i: String(i) } })),
    ...Array.from({ length: 8 }, (_, i): Manifest => ({ apiVersion: 'prune-test.example.com/v1', kind: 'Gadget', metadata: { name: `gadget-${i}`, namespace: ns }, spec: { i } })),
  ];
  const applied = await applyPlan(client, buildPlan(objects), { owner, pollIntervalMs: 40 });
  const prune = computePrune(applied.applied, []);

  // every delete as it starts and as it is answered, and how many were in flight at once
  const log: { key: string; kind: string; event: 'start' | 'end' }[] = [];
  let inFlight = 0;
  let most = 0;
  const counted: KubeClient = Object.create(client);
  counted.delete = async (apiVersion, k, options) => {
    log.push({ key: formatKey(k), kind: k.kind, event: 'start' });
    most = Math.max(most, ++inFlight);
    try {
      return await client.delete(apiVersion, k, options);
    } finally {
      inFlight--;
      log.push({ key: formatKey(k), kind: k.kind, event: 'end' });
    }
  };
  sandbox.resetStats();
  const result = await applyPlan(counted, buildPlan([]), { owner, allowEmpty: true, prune });

  assert.deepEqual(result.changeSet.changes.map(formatChange), prune.map((t) => `${formatKey(t.key)} deleted`), 'every object deleted, reported in reverse plan order');
  assert.deepEqual(result.applied, []);
  assert.ok(most >= 16, `deletes overlapped: ${most} in flight at most`);
  const stats = sandbox.stats().clients.capstan!;
  assert.equal(stats.requests.delete, objects.length, 'one DELETE per object');
  assert.ok((stats.maxInFlightByVerb.delete ?? 0) >= 16, `the sandbox saw ${stats.maxInFlightByVerb.delete} deletes in flight at most`);
  // the CRD and the Namespace are read alone (by the preview and again by the deletion); the rest with a list per kind and namespace
  assert.ok((stats.requests.get ?? 0) <= 4, `${stats.requests.get} gets: not one per object`);

  const firstStart = (kind: string) => log.findIndex((e) => e.kind === kind && e.event === 'start');
  const lastEnd = (kinds: string[]) => log.reduce((last, e, i) => (kinds.includes(e.kind) && e.event === 'end' ? i : last), -1);
  assert.ok(lastEnd(['Gadget']) < firstStart('CustomResourceDefinition'), 'every custom resource was deleted before its CRD');
  assert.ok(lastEnd(['Gadget', 'ConfigMap', 'Secret', 'CustomResourceDefinition']) < firstStart('Namespace'), 'everything was deleted before the Namespace');
  assert.equal(await client.get('v1', key('', 'Namespace', '', ns)), undefined);
});
