import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatKey, keyOf, type Manifest } from '../core/index.ts';
import { assessHealth } from '../health/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan } from '../plan/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { applyPlan, readCrdLookup, type ApplyPlanOptions } from './index.ts';

// A custom resource without a status is Healthy only once its CRD is Established: against a
// sandbox API server, each test in its own namespace and with its own CRD.

let sandbox: Sandbox;
let client: KubeClient;

before(async () => {
  sandbox = await startSandbox({ port: 0, token: 'crd-health-token' });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

const options: ApplyPlanOptions = { owner: { app: 'shop', env: 'dev' }, pollIntervalMs: 40, waitTimeoutMs: 15_000, degradedGraceMs: 100 };

function crd(plural: string, kind: string): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.crd-health.example.com` },
    spec: {
      group: 'crd-health.example.com',
      scope: 'Namespaced',
      names: { plural, singular: kind.toLowerCase(), kind, listKind: `${kind}List` },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  };
}

function custom(kind: string, namespace: string, name: string, status?: Record<string, unknown>): Manifest {
  return { apiVersion: 'crd-health.example.com/v1', kind, metadata: { name, namespace }, spec: { colour: name }, ...(status ? { status } : {}) };
}

function namespace(name: string): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** The client, counting the reads of CRDs and answering them through `edit`. */
function crdReads(edit: (crd: Manifest) => Manifest = (c) => c): { client: KubeClient; reads: () => number } {
  let reads = 0;
  const counted: KubeClient = Object.create(client);
  counted.get = async (apiVersion, key) => {
    const object = await client.get(apiVersion, key);
    if (key.kind !== 'CustomResourceDefinition') return object;
    reads++;
    return object && edit(structuredClone(object));
  };
  return { client: counted, reads: () => reads };
}

describe('custom resources without a status', () => {
  test('created with their CRD in one sync: Healthy once the CRD is Established', async () => {
    const ns = 'crd-health-same-sync';
    const widget = custom('Widget', ns, 'blue');
    const result = await applyPlan(client, buildPlan([widget, crd('widgets', 'Widget'), namespace(ns)]), options);
    assert.equal(result.health.status, 'Healthy');
    const judged = result.health.resources.map((r) => `${formatKey(r.key)} ${r.status}`);
    assert.ok(judged.includes('Widget/crd-health-same-sync/blue Healthy'), judged.join('\n'));
  });

  test('whose CRD is already on the cluster: the CRD is read once, and once Established not again', async () => {
    const ns = 'crd-health-read';
    await applyPlan(client, buildPlan([namespace(ns), crd('gadgets', 'Gadget')]), options);
    const gadgets = [custom('Gadget', ns, 'a'), custom('Gadget', ns, 'b')];
    await applyPlan(client, buildPlan(gadgets), { ...options, owner: { app: 'gadgets', env: 'dev' } });
    const live = await Promise.all(gadgets.map((g) => client.get(g.apiVersion, keyOf(g))));
    const counted = crdReads();
    const cache = new Map();
    const crds = await readCrdLookup(counted.client, live, new Map(), cache);
    assert.equal(counted.reads(), 1);
    assert.equal(crds('crd-health.example.com', 'Gadget')?.name, 'gadgets.crd-health.example.com');
    assert.deepEqual(live.map((object) => assessHealth(object, { crds })), [{ status: 'Healthy' }, { status: 'Healthy' }]);
    await readCrdLookup(counted.client, live, new Map(), cache);
    assert.equal(counted.reads(), 1);
  });

  test('whose CRD is not yet Established: Progressing, naming the CRD, and the CRD is read again at the next look', async () => {
    const ns = 'crd-health-not-established';
    const thing = custom('Thing', ns, 'a');
    await applyPlan(client, buildPlan([namespace(ns), crd('things', 'Thing'), thing]), options);
    const live = await client.get(thing.apiVersion, keyOf(thing));
    // the sandbox establishes a CRD at once: the moment before, as a cluster reports it
    const pending = crdReads((c) => ({ ...c, status: { conditions: [{ type: 'NamesAccepted', status: 'True' }, { type: 'Established', status: 'False', reason: 'Installing' }] } }));
    const cache = new Map();
    const crds = await readCrdLookup(pending.client, [live], new Map(), cache);
    assert.deepEqual(assessHealth(live, { crds }), { status: 'Progressing', message: 'Waiting for CRD things.crd-health.example.com to be established' });
    await readCrdLookup(pending.client, [live], new Map(), cache);
    assert.equal(pending.reads(), 2);
  });

  test('a custom resource with a status keeps the judgement of its status', async () => {
    const ns = 'crd-health-status';
    await applyPlan(client, buildPlan([namespace(ns), crd('gizmos', 'Gizmo')]), options);
    const gizmo = custom('Gizmo', ns, 'a', { conditions: [{ type: 'Ready', status: 'False', message: 'no quota' }] });
    await client.apply(gizmo, { fieldManager: 'test' });
    const live = await client.get(gizmo.apiVersion, keyOf(gizmo));
    assert.ok(live?.status, 'the sandbox keeps the status of a CRD without a status subresource');
    const crds = await readCrdLookup(client, [live]);
    assert.deepEqual(assessHealth(live, { crds }), { status: 'Degraded', message: 'no quota' });
  });
});
