import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { formatChange, formatKey, type Manifest } from '../core/index.ts';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { buildPlan } from '../plan/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
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
      'Job/argo-waves/maintenance-on created: Sync hook completed',
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
      'Job/argo-waves/maintenance-off created: Sync hook completed',
      'healthy Sync 3',
      'PostSync wave 0',
      'Job/argo-waves/smoke-test created: PostSync hook completed',
      'healthy PostSync 0',
    ]);
    assert.deepEqual(result.applied.map((r) => formatKey(r.key)).sort(), ['Deployment/argo-waves/api', 'Deployment/argo-waves/web', 'Namespace/argo-waves', 'Service/argo-waves/api', 'Service/argo-waves/web']);
    assert.equal(await live(ns, 'ConfigMap', 'legacy-settings'), undefined, 'the Skip object was applied');
    assert.equal(await live(ns, 'Job', 'alert', 'batch/v1'), undefined, 'the SyncFail hook ran on a sync that did not fail');
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
});
