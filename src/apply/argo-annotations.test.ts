import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { formatChange, formatKey, type Manifest } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan, computePrune } from '../plan/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { eventually } from '@capstan/sandbox/testing';
import { applyPlan, SyncFailedError, type ApplyPlanOptions, type ApplyProgressEvent } from './index.ts';

// A repo written for Argo CD, applied as it is: its sync waves and every hook phase in Argo CD's
// order, against a sandbox API server over HTTP. Each test works in its own namespace.

let sandbox: Sandbox;
let client: KubeClient;

before(async () => {
  sandbox = await startSandbox({ port: 0, token: 'argo-annotations-token', podReadyDelayMs: 20 });
  client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
});

function options(extra: Partial<ApplyPlanOptions> = {}): ApplyPlanOptions {
  return { owner: { app: 'shop', env: 'dev' }, pollIntervalMs: 40, waitTimeoutMs: 15_000, degradedGraceMs: 100, ...extra };
}

/** The Argo-shaped sync-waves fixture of the plan's tests, moved into namespace `ns` (which it creates). */
function argoRepo(ns: string, change: (object: Manifest) => Manifest = (o) => o): Manifest[] {
  const text = readFileSync(new URL('../plan/testdata/argo-sync-waves.yaml', import.meta.url), 'utf8');
  const objects = parseAllDocuments(text).map((d) => d.toJS() as Manifest);
  return [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, ...objects.map((o) => change({ ...o, metadata: { ...o.metadata, namespace: ns } }))];
}

/** The progress of a sync as lines: stages, changes and healthy stages, in the order they happened. */
function progress(events: ApplyProgressEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'change' ? [formatChange(e.change)] : e.type === 'stage' ? [`${e.phase} wave ${e.wave}`] : e.type === 'healthy' ? [`healthy ${e.phase} ${e.wave}`] : []));
}

function failing(object: Manifest, name: string): Manifest {
  if (object.metadata.name !== name) return object;
  const spec = object.spec as { template: { spec: { containers: { image: string }[] } } };
  const containers = spec.template.spec.containers.map((c) => ({ ...c, image: 'busybox:crashloop' }));
  return { ...object, spec: { ...spec, backoffLimit: 0, template: { ...spec.template, spec: { ...spec.template.spec, containers } } } };
}

async function live(ns: string, kind: string, name: string, apiVersion = 'v1'): Promise<Manifest | undefined> {
  return client.get(apiVersion, { group: apiVersion.includes('/') ? apiVersion.split('/')[0] : '', kind, namespace: ns, name });
}

/** Names of the Jobs in a namespace, sorted. */
async function hookJobs(ns: string): Promise<string[]> {
  return (await client.list('batch/v1', 'Job', { namespace: ns })).items.map((j) => j.metadata.name).sort();
}

function generatedJob(ns: string, prefix: string, annotations: Record<string, string>, image = 'busybox:1.36'): Manifest {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { generateName: prefix, namespace: ns, annotations } as unknown as Manifest['metadata'],
    spec: { backoffLimit: 0, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } } },
  };
}

const namespace = (name: string): Manifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
const configMap = (ns: string, data: Record<string, string>): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data });

describe('Argo CD annotations against a sandbox', () => {
  test('an Argo CD sync-waves repo runs PreSync, the waves with their Sync hooks, then PostSync; Skip is never applied and SyncFail does not run', async () => {
    const ns = 'argo-waves';
    const events: ApplyProgressEvent[] = [];
    const result = await applyPlan(client, buildPlan(argoRepo(ns)), options({ onProgress: (e) => events.push(e) }));
    assert.deepEqual(progress(events), [
      'ConfigMap/argo-waves/legacy-settings skipped: annotated argocd.argoproj.io/hook: Skip: never applied',
      'PreSync wave 0',
      'Namespace/argo-waves created',
      'Job/argo-waves/schema-migrate created: PreSync hook completed',
      'healthy PreSync 0',
      'Sync wave -1',
      'Job/argo-waves/maintenance-on created: Sync hook completed, then deleted by its delete policy',
      'healthy Sync -1',
      'Sync wave 1',
      'Service/argo-waves/api created',
      'Deployment/argo-waves/api created',
      'healthy Sync 1',
      'Sync wave 2',
      'Service/argo-waves/web created',
      'Deployment/argo-waves/web created',
      'healthy Sync 2',
      'Sync wave 3',
      'Job/argo-waves/maintenance-off created: Sync hook completed, then deleted by its delete policy',
      'healthy Sync 3',
      'PostSync wave 0',
      'Job/argo-waves/smoke-test created: PostSync hook completed, then deleted by its delete policy',
      'healthy PostSync 0',
    ]);
    assert.deepEqual(result.applied.map((r) => formatKey(r.key)).sort(), ['Deployment/argo-waves/api', 'Deployment/argo-waves/web', 'Namespace/argo-waves', 'Service/argo-waves/api', 'Service/argo-waves/web']);
    assert.equal(await live(ns, 'ConfigMap', 'legacy-settings'), undefined, 'the Skip object was applied');
    assert.equal(await live(ns, 'Job', 'alert', 'batch/v1'), undefined, 'the SyncFail hook ran on a sync that did not fail');
    // HookSucceeded hooks are gone once they succeeded; the BeforeHookCreation one stays until the next sync
    await eventually(async () => ((await hookJobs(ns)).join() === 'schema-migrate' ? true : undefined), 10_000, 'only schema-migrate left');
  });

  test('a failing Sync hook stops the sync in its wave and runs the SyncFail hooks; PostSync does not run', async () => {
    const ns = 'argo-syncfail';
    const events: ApplyProgressEvent[] = [];
    const objects = argoRepo(ns, (o) => failing(o, 'maintenance-off'));
    let error: unknown;
    await applyPlan(client, buildPlan(objects), options({ onProgress: (e) => events.push(e) })).catch((e: unknown) => (error = e));
    assert.ok(error instanceof SyncFailedError, String(error));
    assert.equal(error.message, '1 Sync hook failed in Sync wave 3; the sync stopped there:\nJob/argo-syncfail/maintenance-off Sync hook failed: Job has reached the specified backoff limit');
    assert.deepEqual(progress(events).slice(-4), [
      'Sync wave 3',
      'Job/argo-syncfail/maintenance-off failed: Sync hook failed: Job has reached the specified backoff limit',
      'SyncFail wave 0',
      'Job/argo-syncfail/alert created: SyncFail hook completed',
    ]);
    assert.deepEqual(
      error.result.changeSet.changes.filter((c) => c.hook).map((c) => `${formatKey(c.key)} ${c.hook} ${c.action}`),
      ['Job/argo-syncfail/schema-migrate PreSync created', 'Job/argo-syncfail/maintenance-on Sync created', 'Job/argo-syncfail/maintenance-off Sync failed', 'Job/argo-syncfail/alert SyncFail created'],
    );
    assert.equal(await live(ns, 'Job', 'smoke-test', 'batch/v1'), undefined, 'the PostSync hook ran after a failed sync');
    assert.ok(await live(ns, 'Job', 'alert', 'batch/v1'), 'the SyncFail hook did not run');
  });

  test('a failing SyncFail hook is reported after the failure that ran it', async () => {
    const ns = 'argo-syncfail-fails';
    const objects = argoRepo(ns, (o) => failing(failing(o, 'schema-migrate'), 'alert'));
    let error: unknown;
    await applyPlan(client, buildPlan(objects), options()).catch((e: unknown) => (error = e));
    assert.ok(error instanceof SyncFailedError, String(error));
    assert.equal(
      error.message,
      [
        '1 PreSync hook failed in PreSync wave 0; the sync stopped there:',
        'Job/argo-syncfail-fails/schema-migrate PreSync hook failed: Job has reached the specified backoff limit',
        'Job/argo-syncfail-fails/alert SyncFail hook failed: Job has reached the specified backoff limit',
      ].join('\n'),
    );
    assert.equal(await live(ns, 'Service', 'api'), undefined, 'a wave was applied after the PreSync hook failed');
  });

  test('a generateName hook is a new object on every sync; BeforeHookCreation (the default) deletes the earlier one first', async () => {
    const ns = 'generate-before';
    const objects = (data: string) => [namespace(ns), generatedJob(ns, 'migrate-', { 'argocd.argoproj.io/hook': 'PreSync' }), configMap(ns, { v: data })];
    const first = await applyPlan(client, buildPlan(objects('1')), options());
    const [one] = await hookJobs(ns);
    assert.match(one, /^migrate-[a-z0-9]{5}$/);
    assert.deepEqual(
      first.changeSet.changes.filter((c) => c.hook).map((c) => `${formatKey(c.key)} ${c.action}: ${c.message}`),
      [`Job/${ns}/${one} created: PreSync hook completed`],
    );
    assert.ok(!first.applied.some((r) => r.key.kind === 'Job'), 'a hook entered the inventory');
    await applyPlan(client, buildPlan(objects('2')), options());
    const after = await eventually(async () => {
      const jobs = await hookJobs(ns);
      return jobs.length === 1 ? jobs : undefined;
    }, 10_000, 'one migrate Job');
    assert.notEqual(after[0], one, 'the second sync did not create a new Job');
    assert.match(after[0], /^migrate-[a-z0-9]{5}$/);
  });

  test('a generateName hook with HookSucceeded is deleted once it succeeded; with HookFailed once it failed, and the sync names it', async () => {
    const ns = 'generate-policies';
    const succeeded = await applyPlan(client, buildPlan([namespace(ns), generatedJob(ns, 'ok-', { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' }), configMap(ns, { v: '1' })]), options());
    const change = succeeded.changeSet.changes.find((c) => c.hook === 'PostSync');
    assert.match(`${change?.key.name} ${change?.message}`, /^ok-[a-z0-9]{5} PostSync hook completed, then deleted by its delete policy$/);
    await eventually(async () => ((await hookJobs(ns)).length === 0 ? true : undefined), 10_000, 'no Job left');

    const failing = async (prefix: string, policy: string): Promise<SyncFailedError> => {
      const hook = generatedJob(ns, prefix, { 'capstan.dev/hook': 'PreSync', 'capstan.dev/hook-delete-policy': policy }, 'busybox:crashloop');
      const error = await applyPlan(client, buildPlan([namespace(ns), hook, configMap(ns, { v: prefix })]), options()).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof SyncFailedError, String(error));
      return error;
    };
    const doomed = await failing('doomed-', 'HookFailed');
    assert.match(doomed.message, new RegExp(`^1 PreSync hook failed in PreSync wave 0; the sync stopped there:\nJob/${ns}/doomed-[a-z0-9]{5} PreSync hook failed: Job has reached the specified backoff limit$`));
    await eventually(async () => ((await hookJobs(ns)).length === 0 ? true : undefined), 10_000, 'the failed HookFailed Job deleted');
    await failing('kept-', 'HookSucceeded');
    // the failed HookSucceeded hook is kept to be looked at
    const left = await hookJobs(ns);
    assert.match(left[0], /^kept-[a-z0-9]{5}$/);
  });

  test('a hook of two phases (PreSync,PostSync) runs in both: created before the waves, and again after them', async () => {
    const ns = 'two-phases';
    const hook: Manifest = { ...generatedJob(ns, '', {}), metadata: { name: 'check', namespace: ns, annotations: { 'argocd.argoproj.io/hook': 'PreSync,PostSync' } } };
    const events: ApplyProgressEvent[] = [];
    const result = await applyPlan(client, buildPlan([namespace(ns), hook, configMap(ns, { v: '1' })]), options({ onProgress: (e) => events.push(e) }));
    assert.deepEqual(
      result.changeSet.changes.filter((c) => c.hook).map((c) => `${c.hook} ${formatKey(c.key)} ${c.action}: ${c.message}`),
      [`PreSync Job/${ns}/check created: PreSync hook completed`, `PostSync Job/${ns}/check created: PostSync hook completed`],
    );
    const lines = progress(events);
    assert.ok(lines.indexOf('healthy PreSync 0') < lines.indexOf('Sync wave 0') && lines.indexOf('healthy Sync 0') < lines.indexOf('PostSync wave 0'), lines.join('\n'));
    assert.ok(await live(ns, 'Job', 'check', 'batch/v1'), 'the PostSync run is left, as BeforeHookCreation leaves it');
  });

  test('a named hook without BeforeHookCreation is created once: a later sync leaves the completed Job as it is', async () => {
    const ns = 'named-once';
    const hook: Manifest = { ...generatedJob(ns, '', { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' }), metadata: { name: 'seed', namespace: ns, annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'HookFailed' } } };
    await applyPlan(client, buildPlan([namespace(ns), hook, configMap(ns, { v: '1' })]), options());
    const uid = (await live(ns, 'Job', 'seed', 'batch/v1'))?.metadata.uid;
    assert.ok(uid);
    await applyPlan(client, buildPlan([namespace(ns), hook, configMap(ns, { v: '2' })]), options());
    assert.equal((await live(ns, 'Job', 'seed', 'batch/v1'))?.metadata.uid, uid, 'the Job was created again');
  });

  test('an object with generateName that is not a hook is refused, naming it', () => {
    const job = generatedJob('anywhere', 'report-', {});
    assert.throws(() => buildPlan([job]), {
      name: 'ValidationError',
      message: 'Job/anywhere/report- has metadata.generateName but no metadata.name: only hooks are created anew on every sync; give it a metadata.name',
    });
  });

  test('sync-options: Prune=false is never pruned; Delete=false is pruned when removed from git but kept when the app is deleted', async () => {
    const ns = 'argo-sync-options';
    const cm = (name: string, options?: string): Manifest => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, ...(options ? { annotations: { 'argocd.argoproj.io/sync-options': options } } : {}) },
      data: { a: '1' },
    });
    const all = [namespace(ns), cm('kept', 'Prune=false'), cm('plain'), cm('retained', 'Delete=false, ServerSideApply=true')];
    const first = await applyPlan(client, buildPlan(all), options());
    const removed = await applyPlan(client, buildPlan([namespace(ns)]), options({ prune: computePrune(first.applied, [namespace(ns)]) }));
    assert.deepEqual(
      removed.changeSet.changes.filter((c) => c.key.kind === 'ConfigMap').map((c) => `${formatKey(c.key)} ${c.action}${c.message ? `: ${c.message}` : ''}`),
      [`ConfigMap/${ns}/retained deleted`, `ConfigMap/${ns}/plain deleted`, `ConfigMap/${ns}/kept skipped: not pruned: annotated argocd.argoproj.io/sync-options: Prune=false`],
    );

    const again = await applyPlan(client, buildPlan([namespace(ns), cm('retained', 'Delete=false'), cm('plain')]), options());
    // deleting the app: an empty plan that prunes everything it owns
    const deleted = await applyPlan(client, buildPlan([]), options({ allowEmpty: true, prune: computePrune(again.applied, []) }));
    assert.deepEqual(
      deleted.changeSet.changes.map((c) => `${formatKey(c.key)} ${c.action}${c.message ? `: ${c.message}` : ''}`),
      [
        `ConfigMap/${ns}/retained skipped: not deleted with the app: annotated argocd.argoproj.io/sync-options: Delete=false`,
        `ConfigMap/${ns}/plain deleted`,
        `Namespace/${ns} skipped: not deleted: it still holds 2 objects that shop/dev keeps: ConfigMap/${ns}/kept, ConfigMap/${ns}/retained`,
      ],
    );
    assert.ok(await live(ns, 'ConfigMap', 'retained'));
  });

  test('sync-options: SkipDryRunOnMissingResource=true applies a custom resource whose CRD another party installs during the sync', async () => {
    const ns = 'argo-skip-dry-run';
    const crd: Manifest = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'gadgets.argo-test.example.com' },
      spec: {
        group: 'argo-test.example.com',
        scope: 'Namespaced',
        names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget', listKind: 'GadgetList' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    };
    const gadget = (options?: string): Manifest => ({
      apiVersion: 'argo-test.example.com/v1',
      kind: 'Gadget',
      metadata: { name: 'g', namespace: ns, annotations: { 'argocd.argoproj.io/sync-wave': '1', ...(options ? { 'argocd.argoproj.io/sync-options': options } : {}) } },
      spec: { size: 3 },
    });
    const operator: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'operator', namespace: ns }, data: { installs: 'gadgets' } };

    let error: unknown;
    await applyPlan(client, buildPlan([namespace(ns), operator, gadget()]), options()).catch((e: unknown) => (error = e));
    assert.match(String((error as Error)?.message), /Gadget\/argo-skip-dry-run\/g cannot be applied: the cluster does not serve argo-test.example.com\/v1 Gadget \(is its CRD installed\?\)/);

    // an "operator" installs the CRD when its ConfigMap is applied, in wave 0
    const installing: KubeClient = Object.create(client);
    installing.apply = async (manifest, applyOptions) => {
      const answer = await client.apply(manifest, applyOptions);
      if (!applyOptions?.dryRun && manifest.metadata.name === 'operator') {
        await client.apply(crd, { fieldManager: 'operator' });
        await eventually(async () => {
          client.invalidateDiscovery();
          return (await client.resourceFor('argo-test.example.com/v1', 'Gadget')) ? true : undefined;
        }, 10_000, 'Gadget served');
      }
      return answer;
    };
    const result = await applyPlan(installing, buildPlan([namespace(ns), operator, gadget('SkipDryRunOnMissingResource=true')]), options());
    assert.deepEqual(
      result.changeSet.changes.filter((c) => c.key.kind === 'Gadget').map((c) => `${c.action}: ${c.message}`),
      ['created: not dry-run: the cluster does not serve argo-test.example.com/v1 Gadget yet (SkipDryRunOnMissingResource)'],
    );
    assert.deepEqual((await live(ns, 'Gadget', 'g', 'argo-test.example.com/v1'))?.spec, { size: 3 });
  });

  test('sync-options: Replace=true writes the object exactly as rendered (kubectl replace), creating it when missing; what another writer added is gone', async () => {
    const ns = 'replace';
    const replaced = (data: Record<string, string>): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns, annotations: { 'argocd.argoproj.io/sync-options': 'Replace=true' } }, data });
    await applyPlan(client, buildPlan([namespace(ns), replaced({ mode: 'a' })]), options());
    assert.deepEqual((await live(ns, 'ConfigMap', 'settings'))?.data, { mode: 'a' }, 'created when missing');
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { added: 'by hand' } }, { fieldManager: 'kubectl-edit' });
    const result = await applyPlan(client, buildPlan([namespace(ns), replaced({ mode: 'b' })]), options());
    const after = await live(ns, 'ConfigMap', 'settings');
    assert.deepEqual(after?.data, { mode: 'b' }, 'a server-side apply would have kept the field another manager added');
    assert.equal(after?.metadata.labels?.['capstan.dev/app'], 'shop');
    assert.deepEqual(result.changeSet.changes.filter((c) => c.key.kind === 'ConfigMap').map((c) => c.action), ['configured']);
  });

  test('sync-options: Force=true and options capstan does not honour are refused, naming the object', () => {
    const cm = (options: string): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'x', annotations: { 'argocd.argoproj.io/sync-options': options } } });
    assert.throws(() => buildPlan([cm('Replace=true,Force=true')]), {
      name: 'ValidationError',
      message:
        'ConfigMap/x/c has argocd.argoproj.io/sync-options Force=true: capstan never deletes and re-creates an object to write it; remove the option, and change an immutable field by renaming the object',
    });
    assert.throws(() => buildPlan([cm('Validate=false')]), {
      name: 'ValidationError',
      message:
        'ConfigMap/x/c has argocd.argoproj.io/sync-options "Validate=false", which capstan does not honour on an object: it honours Prune=false, Delete=false, SkipDryRunOnMissingResource=true, Replace=true, ServerSideApply=true and PruneLast=true',
    });
  });

  test('a hook of any kind, as in Argo CD: a PostSync Deployment is awaited healthy, then deleted by HookSucceeded, and never in the inventory', async () => {
    const ns = 'any-kind-hook';
    const hook: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'warmup', namespace: ns, annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'HookSucceeded' } },
      spec: { replicas: 1, selector: { matchLabels: { app: 'warmup' } }, template: { metadata: { labels: { app: 'warmup' } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } } },
    };
    const result = await applyPlan(client, buildPlan([namespace(ns), configMap(ns, { v: '1' }), hook]), options());
    assert.deepEqual(
      result.changeSet.changes.map((c) => `${formatKey(c.key)} ${c.action}${c.message ? `: ${c.message}` : ''}`),
      [`Namespace/${ns} created`, `ConfigMap/${ns}/settings created`, `Deployment/${ns}/warmup created: PostSync hook completed, then deleted by its delete policy`],
    );
    assert.deepEqual(result.applied.map((r) => formatKey(r.key)).sort(), [`ConfigMap/${ns}/settings`, `Namespace/${ns}`]);
    await eventually(async () => ((await live(ns, 'Deployment', 'warmup', 'apps/v1')) === undefined ? true : undefined), 10_000, 'the hook Deployment deleted');
  });
});
