import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TransientError, countChanges, formatChange, formatKey, keyOf, type Manifest, type ResourceKey } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan, computePrune } from '../plan/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { eventually } from '@capstan/sandbox/testing';
import { applyPlan, SyncConflictError, SyncFailedError, SyncTimeoutError, SyncValidationError, type ApplyPlanOptions, type ApplyProgressEvent } from './index.ts';

// Integration tests: a real sandbox API server over HTTPS, reached through the real KubeClient.
// Each test works in its own namespace.

let sandbox: Sandbox;
let client: KubeClient;

/** Writes (applies and deletes that are not dry-runs) that the code under test sent through `apply`. */
let writesSent = 0;

before(async () => {
  sandbox = await startSandbox({ port: 0, token: 'apply-test-token', podReadyDelayMs: 30 });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

const owner = { app: 'shop', env: 'dev' };

function options(extra: Partial<ApplyPlanOptions> = {}): ApplyPlanOptions {
  return { owner, pollIntervalMs: 40, waitTimeoutMs: 15_000, degradedGraceMs: 100, ...extra };
}

/**
 * The sandbox's client, counting the writes it is asked for. The sandbox's own controllers write
 * too (pods, ReplicaSets, status) and keep doing so after a sync, so the server's write count
 * cannot tell what applyPlan wrote: count at the client instead.
 */
function counting(): KubeClient {
  const counted: KubeClient = Object.create(client);
  counted.apply = async (manifest, applyOptions) => {
    if (!applyOptions?.dryRun) writesSent++;
    return client.apply(manifest, applyOptions);
  };
  counted.delete = async (apiVersion, objectKey, deleteOptions) => {
    if (!deleteOptions?.dryRun) writesSent++;
    return client.delete(apiVersion, objectKey, deleteOptions);
  };
  return counted;
}

function apply(objects: Manifest[], extra: Partial<ApplyPlanOptions> = {}) {
  return applyPlan(counting(), buildPlan(objects), options(extra));
}

function namespace(name: string, annotations?: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...(annotations ? { annotations } : {}) } };
}

function configMap(ns: string, name: string, data: Record<string, string>, annotations?: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, ...(annotations ? { annotations } : {}) }, data };
}

function secret(ns: string, name: string, password: string): Manifest {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', stringData: { password } };
}

function service(ns: string, name: string, port = 80): Manifest {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { selector: { app: name }, ports: [{ port }] } };
}

interface DeploymentSpec {
  image?: string;
  app?: string;
  annotations?: Record<string, string>;
  spec?: Record<string, unknown>;
}

function deployment(ns: string, name: string, given: DeploymentSpec = {}): Manifest {
  const app = given.app ?? name;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns, ...(given.annotations ? { annotations: given.annotations } : {}) },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app } },
      template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'main', image: given.image ?? 'nginx:1.27' }] } },
      ...given.spec,
    },
  };
}

function job(ns: string, name: string, hook: 'PreSync' | 'PostSync' | undefined, image = 'busybox:1.36', extra: Record<string, unknown> = {}): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: ns, ...(hook ? { annotations: { 'capstan.dev/hook': hook } } : {}) },
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } }, ...extra },
  };
}

function wave(object: Manifest, value: number): Manifest {
  return { ...object, metadata: { ...object.metadata, annotations: { ...object.metadata.annotations, 'capstan.dev/sync-wave': String(value) } } };
}

function key(kind: string, ns: string, name: string, group = ''): ResourceKey {
  return { group, kind, namespace: ns, name };
}

async function live(object: Manifest): Promise<Manifest | undefined> {
  return client.get(object.apiVersion, keyOf(object));
}

async function resourceVersions(objects: Manifest[]): Promise<string[]> {
  return Promise.all(objects.map(async (o) => String((await live(o))?.metadata.resourceVersion)));
}

function actions(result: { changeSet: { changes: { key: ResourceKey; action: string }[] } }): string[] {
  return result.changeSet.changes.map((c) => `${formatKey(c.key)} ${c.action}`);
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected the apply to fail');
}

describe('applyPlan against a sandbox', () => {
  test('creates in plan order, a second apply writes nothing, then only the changed Deployment is configured', async () => {
    const ns = 'create-order';
    const objects = [deployment(ns, 'api'), service(ns, 'api'), secret(ns, 'db', 'hunter2'), configMap(ns, 'settings', { mode: 'fast' }), namespace(ns)];
    const first = await apply(objects);
    assert.deepEqual(actions(first), [
      'Namespace/create-order created',
      'ConfigMap/create-order/settings created',
      'Secret/create-order/db created',
      'Service/create-order/api created',
      'Deployment/create-order/api created',
    ]);
    assert.equal(first.health.status, 'Healthy');
    assert.deepEqual(first.applied.map((r) => `${r.apiVersion} ${formatKey(r.key)}`).sort(), [
      'apps/v1 Deployment/create-order/api',
      'v1 ConfigMap/create-order/settings',
      'v1 Namespace/create-order',
      'v1 Secret/create-order/db',
      'v1 Service/create-order/api',
    ]);
    assert.equal(first.diffs.length, 5);
    assert.ok(!first.diffs.some((d) => d.unified.includes('hunter2')), 'a Secret value leaked into a diff');
    const stamped = await live(objects[0]);
    assert.equal(stamped?.metadata.annotations?.['capstan.dev/owner'], 'shop/dev');
    assert.deepEqual([stamped?.metadata.labels?.['capstan.dev/app'], stamped?.metadata.labels?.['capstan.dev/env']], ['shop', 'dev']);

    const versions = await resourceVersions(objects);
    const writes = writesSent;
    const second = await apply(objects);
    assert.equal(writesSent, writes, 'the second apply wrote');
    assert.deepEqual(await resourceVersions(objects), versions);
    assert.deepEqual(countChanges(second.changeSet), { created: 0, configured: 0, unchanged: 5, deleted: 0, skipped: 0, failed: 0 });
    assert.deepEqual(second.diffs, []);

    const changed = [deployment(ns, 'api', { image: 'nginx:1.28' }), ...objects.slice(1)];
    const third = await apply(changed);
    assert.deepEqual(
      third.changeSet.changes.filter((c) => c.action !== 'unchanged').map(formatChange),
      ['Deployment/create-order/api configured'],
    );
    assert.equal(third.diffs.length, 1);
    assert.deepEqual(third.diffs[0].changedPaths, ['/spec/template/spec/containers/0/image']);
    const after = await resourceVersions(changed);
    assert.notEqual(after[0], versions[0]);
    assert.deepEqual(after.slice(1), versions.slice(1));
    assert.equal(((await live(changed[0]))?.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image, 'nginx:1.28');
  });

  test('an immutable field change fails naming the object, and nothing else is applied', async () => {
    const ns = 'immutable';
    await apply([namespace(ns), configMap(ns, 'settings', { mode: 'a' }), deployment(ns, 'api')]);
    const versions = await resourceVersions([configMap(ns, 'settings', {}), deployment(ns, 'api')]);
    const writes = writesSent;
    const error = await rejection(apply([namespace(ns), configMap(ns, 'settings', { mode: 'b' }), deployment(ns, 'api', { app: 'api-v2', image: 'nginx:1.28' })]));
    assert.ok(error instanceof SyncValidationError, String(error));
    assert.equal(
      error.message,
      [
        '1 of 3 objects failed validation; nothing was applied:',
        'Deployment/immutable/api apply failed: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api-v2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
      ].join('\n'),
    );
    assert.deepEqual(error.result.changeSet.changes.map(formatChange), [
      'Deployment/immutable/api failed: apply failed: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api-v2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
    assert.equal(writesSent, writes);
    assert.deepEqual(await resourceVersions([configMap(ns, 'settings', {}), deployment(ns, 'api')]), versions);
    assert.deepEqual((await live(configMap(ns, 'settings', {})))?.data, { mode: 'a' });
  });

  test('a conflict with another field manager fails naming the field and the manager; force takes it', async () => {
    const ns = 'conflict';
    await apply([namespace(ns), configMap(ns, 'settings', { mode: 'a', size: 'm' })]);
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { mode: 'edited' } }, { fieldManager: 'kubectl-edit', force: true });
    const desired = [namespace(ns), configMap(ns, 'settings', { mode: 'b', size: 'm' })];
    const error = await rejection(apply(desired));
    assert.ok(error instanceof SyncConflictError, String(error));
    assert.equal(
      error.message,
      ['1 of 2 objects failed validation; nothing was applied:', 'ConfigMap/conflict/settings apply failed: conflict with "kubectl-edit": .data.mode; use --force-conflicts to take them'].join('\n'),
    );
    assert.deepEqual((await live(desired[1]))?.data, { mode: 'edited', size: 'm' });

    const forced = await apply(desired, { force: true });
    assert.deepEqual(actions(forced), ['Namespace/conflict unchanged', 'ConfigMap/conflict/settings configured']);
    const taken = await live(desired[1]);
    assert.deepEqual(taken?.data, { mode: 'b', size: 'm' });
    const managers = (taken?.metadata.managedFields as { manager: string; fieldsV1?: { 'f:data'?: Record<string, unknown> } }[]).filter((m) => m.fieldsV1?.['f:data']?.['f:mode']);
    assert.deepEqual(managers.map((m) => m.manager), ['capstan']);
  });

  test('an invalid object among valid ones applies nothing and all failures are reported together', async () => {
    const ns = 'invalid';
    await apply([namespace(ns)]);
    const writes = writesSent;
    const objects = [namespace(ns), configMap(ns, 'settings', { a: '1' }), service(ns, 'api', 70000), deployment(ns, 'api'), service(ns, 'web', 0)];
    const error = await rejection(apply(objects));
    assert.ok(error instanceof SyncValidationError, String(error));
    assert.equal(
      error.message,
      [
        '2 of 5 objects failed validation; nothing was applied:',
        // the server defaults targetPort to port, so both are reported
        'Service/invalid/api apply failed: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive; spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'Service/invalid/web apply failed: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive',
      ].join('\n'),
    );
    assert.equal((error as SyncValidationError).failures.length, 2);
    assert.equal(writesSent, writes);
    assert.equal(await live(objects[1]), undefined);
    assert.equal(await live(objects[3]), undefined);
  });

  test('objects in a namespace the plan creates are validated right after it: a failure then leaves only the namespace', async () => {
    const ns = 'deferred-invalid';
    const objects = [namespace(ns), configMap(ns, 'settings', { a: '1' }), service(ns, 'api', 70000)];
    const events: ApplyProgressEvent[] = [];
    const error = await rejection(apply(objects, { onProgress: (e) => events.push(e) }));
    assert.ok(error instanceof SyncValidationError, String(error));
    assert.equal(
      error.message,
      [
        '1 object failed validation once their Namespace or CRD existed; only Namespace/deferred-invalid had been applied, nothing else was:',
        'Service/deferred-invalid/api apply failed: spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive; spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ].join('\n'),
    );
    assert.deepEqual(events[0], { type: 'validated', objects: 3, deferred: 2 });
    assert.ok(await live(objects[0]));
    assert.equal(await live(objects[1]), undefined);
  });

  test('an object owned by another app or environment is refused, never adopted', async () => {
    const ns = 'owned-elsewhere';
    await applyPlan(client, buildPlan([namespace(ns), configMap(ns, 'shared', { by: 'billing' })]), options({ owner: { app: 'billing', env: 'dev' } }));
    const error = await rejection(apply([configMap(ns, 'shared', { by: 'shop' }), configMap(ns, 'mine', { a: '1' })]));
    assert.ok(error instanceof SyncConflictError, String(error));
    assert.equal(
      error.message,
      [
        '1 of 2 objects failed validation; nothing was applied:',
        'ConfigMap/owned-elsewhere/shared is owned by billing/dev, not shop/dev: capstan never adopts an object that another app or environment manages',
      ].join('\n'),
    );
    assert.deepEqual((await live(configMap(ns, 'shared', {})))?.data, { by: 'billing' });
    assert.equal(await live(configMap(ns, 'mine', {})), undefined);
    // the same app in another environment is another owner too
    const otherEnv = await rejection(applyPlan(client, buildPlan([configMap(ns, 'shared', { by: 'billing' })]), options({ owner: { app: 'billing', env: 'prod' } })));
    assert.match(otherEnv.message, /ConfigMap\/owned-elsewhere\/shared is owned by billing\/dev, not billing\/prod/);
  });

  test('waves are applied in order, PreSync hooks before and PostSync hooks after; hooks run again only when something changes (or always, if asked) and are not inventory', async () => {
    const ns = 'waves';
    const objects = [
      namespace(ns),
      job(ns, 'migrate', 'PreSync'),
      wave(configMap(ns, 'first', { a: '1' }), -1),
      deployment(ns, 'api'),
      wave(configMap(ns, 'last', { a: '1' }), 1),
      job(ns, 'smoke', 'PostSync'),
    ];
    const events: ApplyProgressEvent[] = [];
    // the resourceVersion the server answered each first write with: its order of creation (the latest resourceVersions
    // would not do, as the Job and Deployment controllers write those objects again, later on a loaded machine)
    const createdAt = new Map<string, number>();
    const recorded: KubeClient = Object.create(client);
    recorded.apply = async (manifest, applyOptions) => {
      const answer = await client.apply(manifest, applyOptions);
      if (!applyOptions?.dryRun && !createdAt.has(manifest.metadata.name)) createdAt.set(manifest.metadata.name, Number(answer.metadata.resourceVersion));
      return answer;
    };
    const result = await applyPlan(recorded, buildPlan(objects), options({ onProgress: (e) => events.push(e) }));
    const order = events.flatMap((e) => (e.type === 'change' ? [formatChange(e.change)] : e.type === 'stage' ? [`${e.phase} wave ${e.wave}`] : e.type === 'healthy' ? [`healthy ${e.phase} ${e.wave}`] : []));
    assert.deepEqual(order, [
      'PreSync wave 0',
      'Namespace/waves created',
      'Job/waves/migrate created: PreSync hook completed',
      'healthy PreSync 0',
      'Sync wave -1',
      'ConfigMap/waves/first created',
      'healthy Sync -1',
      'Sync wave 0',
      'Deployment/waves/api created',
      'healthy Sync 0',
      'Sync wave 1',
      'ConfigMap/waves/last created',
      'healthy Sync 1',
      'PostSync wave 0',
      'Job/waves/smoke created: PostSync hook completed',
      'healthy PostSync 0',
    ]);
    // the server saw them in that order too
    const rv = ['migrate', 'first', 'api', 'last', 'smoke'].map((name) => createdAt.get(name) ?? NaN);
    const [migrate, first, api, last, smoke] = rv;
    assert.ok(migrate < first && first < api && api < last && last < smoke, `resourceVersions ${rv.join(', ')}`);
    assert.deepEqual(result.changeSet.changes.filter((c) => c.hook).map((c) => [c.key.name, c.hook]), [['migrate', 'PreSync'], ['smoke', 'PostSync']]);
    assert.deepEqual(result.applied.map((r) => formatKey(r.key)).sort(), ['ConfigMap/waves/first', 'ConfigMap/waves/last', 'Deployment/waves/api', 'Namespace/waves']);

    const uid = (await live(objects[1]))?.metadata.uid;
    const again = await apply(objects);
    assert.deepEqual(actions(again), [
      'Namespace/waves unchanged',
      'Job/waves/migrate skipped',
      'ConfigMap/waves/first unchanged',
      'Deployment/waves/api unchanged',
      'ConfigMap/waves/last unchanged',
      'Job/waves/smoke skipped',
    ]);
    assert.equal((await live(objects[1]))?.metadata.uid, uid, 'nothing changed, so the PreSync hook did not run again');

    const always = await apply(objects, { hooks: 'always' });
    assert.deepEqual(actions(always), [
      'Namespace/waves unchanged',
      'Job/waves/migrate created',
      'ConfigMap/waves/first unchanged',
      'Deployment/waves/api unchanged',
      'ConfigMap/waves/last unchanged',
      'Job/waves/smoke created',
    ]);
    const rerun = await live(objects[1]);
    assert.notEqual(rerun?.metadata.uid, uid, 'the PreSync hook was not re-created');
  });

  test('a failed PreSync hook stops the sync naming the Job; the wave is not applied', async () => {
    const ns = 'hook-fails';
    const error = await rejection(apply([namespace(ns), job(ns, 'migrate', 'PreSync', 'busybox:crashloop'), deployment(ns, 'api')]));
    assert.ok(error instanceof SyncFailedError, String(error));
    assert.equal(error.message, '1 PreSync hook failed in PreSync wave 0; the sync stopped there:\nJob/hook-fails/migrate PreSync hook failed: Job has reached the specified backoff limit');
    assert.equal(await live(deployment(ns, 'api')), undefined);
    assert.deepEqual(actions((error as SyncFailedError).result), ['Namespace/hook-fails created', 'Job/hook-fails/migrate failed']);
  });

  test('a crash-looping Deployment fails its wave with the health message, and later waves are not applied', async () => {
    const ns = 'crashloop';
    const objects = [namespace(ns), deployment(ns, 'api', { image: 'busybox:crashloop', spec: { progressDeadlineSeconds: 1 } }), wave(configMap(ns, 'later', { a: '1' }), 1)];
    const error = await rejection(apply(objects));
    assert.ok(error instanceof SyncFailedError, String(error));
    assert.match(
      error.message,
      /^Sync wave 0 failed: 1 object not healthy; later waves were not applied and nothing was pruned:\nDeployment\/crashloop\/api is Degraded: Deployment exceeded its progress deadline: ReplicaSet "api-[0-9a-z]+" has timed out progressing\.$/,
    );
    assert.equal(await live(objects[2]), undefined);
    assert.equal((error as SyncFailedError).result.health.status, 'Degraded');

    // without a progress deadline the wave times out, naming what is not healthy and why. The timeout is asserted on a
    // second apply, once the controllers have reported the rollout: what health says after 600 ms of the first apply
    // depends on how far a loaded machine got
    const slow = [namespace(ns), deployment(ns, 'slow', { image: 'busybox:crashloop' }), wave(configMap(ns, 'later', { a: '1' }), 1)];
    await rejection(apply(slow, { waitTimeoutMs: 600 }));
    await eventually(async () => {
      const live = await client.get('apps/v1', key('Deployment', ns, 'slow', 'apps'));
      const status = live?.status as { observedGeneration?: number; updatedReplicas?: number } | undefined;
      return status?.observedGeneration === live?.metadata.generation && status?.updatedReplicas === 1 ? true : undefined;
    }, 30_000, 'the rollout of Deployment/crashloop/slow to be reported');
    const timeout = await rejection(apply(slow, { waitTimeoutMs: 600 }));
    assert.ok(timeout instanceof SyncTimeoutError, String(timeout));
    assert.equal(
      timeout.message,
      'Sync wave 0 did not become healthy within 600 ms; later waves were not applied and nothing was pruned:\nDeployment/crashloop/slow is Progressing: Waiting for rollout to finish: 0 of 1 updated replicas are available...',
    );
    assert.equal(await live(slow[2]), undefined);
  });

  test('prune deletes what was removed, in order, and respects prune: disabled and other owners', async () => {
    const ns = 'prune';
    const v1 = [
      namespace(ns),
      configMap(ns, 'keep', { a: '1' }),
      configMap(ns, 'drop', { a: '1' }),
      configMap(ns, 'precious', { a: '1' }, { 'capstan.dev/prune': 'disabled' }),
      deployment(ns, 'old'),
    ];
    const first = await apply(v1);
    await applyPlan(client, buildPlan([configMap(ns, 'billing', { a: '1' })]), options({ owner: { app: 'billing', env: 'dev' } }));
    const inventory = [...first.applied, { apiVersion: 'v1', key: key('ConfigMap', ns, 'billing') }, { apiVersion: 'v1', key: key('ConfigMap', ns, 'gone') }];
    const v2 = [namespace(ns), configMap(ns, 'keep', { a: '1' })];
    const prune = computePrune(inventory, v2);
    assert.deepEqual(prune.map((t) => formatKey(t.key)), ['Deployment/prune/old', 'ConfigMap/prune/precious', 'ConfigMap/prune/gone', 'ConfigMap/prune/drop', 'ConfigMap/prune/billing']);

    const result = await apply(v2, { prune });
    assert.deepEqual(result.changeSet.changes.map(formatChange), [
      'Namespace/prune unchanged',
      'ConfigMap/prune/keep unchanged',
      'Deployment/prune/old deleted',
      'ConfigMap/prune/precious skipped: not pruned: annotated capstan.dev/prune: disabled',
      'ConfigMap/prune/gone skipped: already deleted',
      'ConfigMap/prune/drop deleted',
      'ConfigMap/prune/billing skipped: not pruned: it is owned by billing/dev, not shop/dev',
    ]);
    assert.deepEqual(result.diffs.map((d) => `${formatKey(d.key)} ${d.action}`), ['Deployment/prune/old delete', 'ConfigMap/prune/drop delete']);
    assert.equal(await live(configMap(ns, 'drop', {})), undefined);
    assert.ok(await live(configMap(ns, 'precious', {})));
    assert.ok(await live(configMap(ns, 'billing', {})));
    assert.equal(await live(deployment(ns, 'old')), undefined);
  });

  test('a failed sync does not prune, and an empty plan refuses to prune', async () => {
    const ns = 'no-prune';
    const first = await apply([namespace(ns), configMap(ns, 'a', { a: '1' }), configMap(ns, 'b', { b: '1' })]);
    const v2 = [namespace(ns), service(ns, 'bad', 70000)];
    await rejection(apply(v2, { prune: computePrune(first.applied, v2) }));
    assert.ok(await live(configMap(ns, 'a', {})));
    const empty = await rejection(applyPlan(client, buildPlan([]), options({ prune: first.applied })));
    assert.equal(empty.message, 'refusing to prune 3 objects: the plan is empty (an empty render never prunes)');
    assert.ok(await live(configMap(ns, 'b', {})));
  });

  test('a namespace, a CRD and its custom resource created in the same plan', async () => {
    const ns = 'crd-and-cr';
    const crd: Manifest = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.apply-test.example.com' },
      spec: {
        group: 'apply-test.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { colour: { type: 'string' } } } } } } }],
      },
    };
    const widget: Manifest = { apiVersion: 'apply-test.example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: ns }, spec: { colour: 'blue' } };
    const objects = [widget, configMap(ns, 'settings', { a: '1' }), crd, namespace(ns)];
    const events: ApplyProgressEvent[] = [];
    const result = await apply(objects, { onProgress: (e) => events.push(e) });
    assert.deepEqual(actions(result), [
      'Namespace/crd-and-cr created',
      'CustomResourceDefinition/widgets.apply-test.example.com created',
      'ConfigMap/crd-and-cr/settings created',
      'Widget/crd-and-cr/blue created',
    ]);
    assert.deepEqual(events[0], { type: 'validated', objects: 4, deferred: 2 });
    assert.deepEqual((await live(widget))?.spec, { colour: 'blue' });
    const writes = writesSent;
    const again = await apply(objects);
    assert.deepEqual(countChanges(again.changeSet).unchanged, 4);
    assert.equal(writesSent, writes);
    // an invalid custom resource is caught by the server's dry-run once its CRD is served
    const bad = { ...widget, metadata: { name: 'Not_A_Name', namespace: ns } };
    const error = await rejection(apply([...objects, bad]));
    assert.ok(error instanceof SyncValidationError, String(error));
    assert.match(error.message, /^1 of 5 objects failed validation; nothing was applied:\nWidget\/crd-and-cr\/Not_A_Name apply failed: metadata\.name: Invalid value: "Not_A_Name": .+$/);
  });

  test('dryRunOnly writes nothing and returns the diffs', async () => {
    const ns = 'dry-run';
    const writesBefore = writesSent;
    const fresh = await apply([namespace(ns), configMap(ns, 'settings', { a: '1' })], { dryRunOnly: true });
    assert.equal(writesSent, writesBefore);
    assert.deepEqual(fresh.changeSet.changes.map(formatChange), [
      'Namespace/dry-run created',
      'ConfigMap/dry-run/settings created: not validated by the server: Namespace/dry-run does not exist yet',
    ]);
    assert.deepEqual(fresh.diffs.map((d) => `${formatKey(d.key)} ${d.action}`), ['Namespace/dry-run create', 'ConfigMap/dry-run/settings create']);
    assert.equal(await live(namespace(ns)), undefined);

    const v1 = [namespace(ns), configMap(ns, 'settings', { a: '1' }), secret(ns, 'db', 'hunter2'), configMap(ns, 'old', { a: '1' })];
    const first = await apply(v1);
    const v2 = [namespace(ns), configMap(ns, 'settings', { a: '2' }), secret(ns, 'db', 'swordfish')];
    const writes = writesSent;
    const diff = await apply(v2, { dryRunOnly: true, prune: computePrune(first.applied, v2) });
    assert.equal(writesSent, writes);
    assert.deepEqual(diff.changeSet.changes.map(formatChange), ['Namespace/dry-run unchanged', 'ConfigMap/dry-run/settings configured', 'Secret/dry-run/db configured', 'ConfigMap/dry-run/old deleted']);
    assert.deepEqual(diff.diffs.map((d) => `${formatKey(d.key)} ${d.action}`), ['Namespace/dry-run unchanged', 'ConfigMap/dry-run/settings update', 'Secret/dry-run/db update', 'ConfigMap/dry-run/old delete']);
    assert.match(diff.diffs[1].unified, /^- {2}a: "1"\n\+ {2}a: "2"$/m);
    assert.ok(!diff.diffs.some((d) => /hunter2|swordfish|aHVudGVyMg|c3dvcmRmaXNo/.test(d.unified)), 'a Secret value leaked into a diff');
    assert.deepEqual((await live(configMap(ns, 'settings', {})))?.data, { a: '1' });
    assert.ok(await live(configMap(ns, 'old', {})));
  });

  test('skipDryRunWhenInSync asks the server only about objects that may differ', async () => {
    const ns = 'quick';
    const objects = [namespace(ns), configMap(ns, 'a', { k: '1' }), configMap(ns, 'b', { k: '1' }), deployment(ns, 'api')];
    await apply(objects);
    const dryRuns = (): number => (client as unknown as { stats(): { requests: Record<string, number> } }).stats().requests.apply ?? 0;
    let before = dryRuns();
    const same = await apply(objects, { dryRunOnly: true, skipDryRunWhenInSync: true });
    assert.equal(dryRuns() - before, 0, 'no dry-run for objects proven in sync');
    assert.deepEqual(countChanges(same.changeSet).unchanged, 4);

    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: ns }, data: { k: '2' } }, { fieldManager: 'kubectl-edit', force: true });
    before = dryRuns();
    const drifted = await apply(objects, { dryRunOnly: true, skipDryRunWhenInSync: true, force: true });
    assert.equal(dryRuns() - before, 1, 'only the drifted object was dry-run');
    assert.deepEqual(drifted.diffs.filter((d) => d.action !== 'unchanged').map((d) => `${formatKey(d.key)} ${d.action} ${d.changedPaths.join(',')}`), ['ConfigMap/quick/b update /data/k']);
  });

  test('kinds the cluster does not serve and wrong scopes are reported with the other failures', async () => {
    const ns = 'unserved';
    await apply([namespace(ns)]);
    const gadget: Manifest = { apiVersion: 'nowhere.example.com/v1', kind: 'Gadget', metadata: { name: 'g', namespace: ns } };
    const role: Manifest = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'unserved-reader', namespace: ns }, rules: [] };
    const bare: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nowhere' } };
    const error = await rejection(apply([namespace(ns), gadget, role, bare]));
    assert.ok(error instanceof SyncValidationError, String(error));
    assert.equal(
      error.message,
      [
        '3 of 4 objects failed validation; nothing was applied:',
        'ClusterRole/unserved/unserved-reader is cluster-scoped: remove metadata.namespace "unserved"',
        'ConfigMap/nowhere has no namespace: set metadata.namespace (the kind is namespaced)',
        'Gadget/unserved/g cannot be applied: the cluster does not serve nowhere.example.com/v1 Gadget (is its CRD installed?)',
      ].join('\n'),
    );
  });

  test('dry-runs and applies run in parallel, never more than `concurrency` at once', async () => {
    const ns = 'concurrency';
    let inFlight = 0;
    let most = 0;
    const counting: KubeClient = Object.create(client);
    counting.apply = async (manifest, applyOptions) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 10));
        return await client.apply(manifest, applyOptions);
      } finally {
        inFlight--;
      }
    };
    await applyPlan(counting, buildPlan([namespace(ns)]), options());
    const maps = Array.from({ length: 12 }, (_, i) => configMap(ns, `cm-${String(i).padStart(2, '0')}`, { i: String(i) }));
    most = 0;
    await applyPlan(counting, buildPlan(maps), options({ concurrency: 3 }));
    assert.equal(most, 3);
    most = 0;
    const changed = maps.map((m) => ({ ...m, data: { changed: 'yes' } }));
    await applyPlan(counting, buildPlan(changed), options({ concurrency: 12 }));
    assert.ok(most > 3, `at most ${most} at once with concurrency 12`);
  });

  /** The sandbox's client, recording each read, write and watch it is asked for, in order. */
  function recording(): { counting: KubeClient; calls: string[] } {
    const calls: string[] = [];
    const counting: KubeClient = Object.create(client);
    counting.list = async (apiVersion, kind, listOptions) => {
      calls.push(`list ${kind}`);
      return client.list(apiVersion, kind, listOptions);
    };
    counting.get = async (apiVersion, objectKey) => {
      calls.push(`get ${objectKey.kind}/${objectKey.name}`);
      return client.get(apiVersion, objectKey);
    };
    counting.apply = async (manifest, applyOptions) => {
      calls.push(`${applyOptions?.dryRun ? 'dry-run' : 'apply'} ${manifest.kind}`);
      return client.apply(manifest, applyOptions);
    };
    counting.watch = async (apiVersion, kind, watchOptions, onEvent) => {
      calls.push(`watch ${kind}`);
      return client.watch(apiVersion, kind, watchOptions, onEvent);
    };
    return { counting, calls };
  }

  test('the wait after a stage reads again only what the sync does not already hold from its writes', async () => {
    const ns = 'known-health';
    await apply([namespace(ns)]);
    const { counting, calls } = recording();
    const objects = [configMap(ns, 'a', { k: '1' }), configMap(ns, 'b', { k: '1' }), configMap(ns, 'c', { k: '1' }), deployment(ns, 'api')];
    await applyPlan(counting, buildPlan(objects), options());
    const reads = calls.filter((c) => c.startsWith('list ') || c.startsWith('get '));
    const afterValidation = reads.indexOf('list ConfigMap') + 1;
    const waitReads = reads.slice(afterValidation).filter((r) => !r.startsWith('list Deployment') && !r.startsWith('get Deployment'));
    assert.deepEqual(waitReads, [], 'the ConfigMaps were read again although their apply answered Healthy');
    assert.ok(reads.slice(afterValidation).some((r) => r.includes('Deployment')), 'the Deployment, Progressing when applied, is polled');
  });

  test('the wait learns of a rollout through a watch, not by polling', async () => {
    const ns = 'watched-health';
    await apply([namespace(ns)]);
    const { counting, calls } = recording();
    const result = await applyPlan(counting, buildPlan([deployment(ns, 'api'), deployment(ns, 'web')]), options({ pollIntervalMs: 10_000 }));
    assert.equal(result.health.status, 'Healthy');
    const afterApply = calls.slice(calls.lastIndexOf('apply Deployment') + 1);
    assert.deepEqual(afterApply.filter((c) => c.includes('Deployment')), ['watch Deployment'], `calls after the applies: ${afterApply.join(', ')}`);
  });

  test('a write that fails after validation stops the sync at that step and reports it', async () => {
    const ns = 'write-fails';
    const failing: KubeClient = Object.create(client);
    failing.apply = async (manifest, applyOptions) => {
      if (!applyOptions?.dryRun && manifest.kind === 'Service') {
        throw new TransientError('apply failed after 7 attempts: HTTP 503: the server is currently unable to handle the request', { subject: keyOf(manifest) });
      }
      return client.apply(manifest, applyOptions);
    };
    const objects = [namespace(ns), configMap(ns, 'settings', { a: '1' }), service(ns, 'api'), deployment(ns, 'api')];
    const error = await rejection(applyPlan(failing, buildPlan(objects), options()));
    assert.ok(error instanceof SyncFailedError, String(error));
    assert.equal(
      error.message,
      '1 object failed to apply in Sync wave 0; the sync stopped there:\nService/write-fails/api apply failed after 7 attempts: HTTP 503: the server is currently unable to handle the request',
    );
    assert.deepEqual(actions((error as SyncFailedError).result), ['Namespace/write-fails created', 'ConfigMap/write-fails/settings created', 'Service/write-fails/api failed']);
    assert.deepEqual(
      (error as SyncFailedError).result.applied.map((r) => formatKey(r.key)),
      ['Namespace/write-fails', 'ConfigMap/write-fails/settings'],
    );
    assert.equal(await live(objects[3]), undefined);
  });
});

test('health polls run every 100 ms for 2 s, then slow down to the poll interval', async () => {
  const { pollDelay } = await import('./wait.ts');
  assert.deepEqual([0, 1, 19, 20, 21, 22, 23, 40].map((n) => pollDelay(n, 1000)), [100, 100, 100, 200, 400, 800, 1000, 1000]);
  assert.equal(pollDelay(0, 20), 20);
});
