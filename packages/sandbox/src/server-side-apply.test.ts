import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conflictCauses, formatConflictMessage, managerFromUserAgent, serverSideApply, trackScale, trackUpdate, type ServerSideApplyInput } from './server-side-apply.ts';
import { builtinMergeSchema, crdMergeSchema } from './merge-schema.ts';
import { cloneJson } from './field-set.ts';
import type { KubeObject, ManagedFieldsEntry } from './types.ts';

const deployments = builtinMergeSchema('apps', 'Deployment');
const configMaps = builtinMergeSchema('', 'ConfigMap');
const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:05:00Z';
const T2 = '2024-05-01T10:10:00Z';

interface DeploymentOptions {
  replicas?: number;
  image?: string;
  labels?: Record<string, string>;
  containers?: unknown[];
  extraSpec?: Record<string, unknown>;
}

function deployment(options: DeploymentOptions = {}): KubeObject {
  const spec: Record<string, unknown> = {};
  if (options.replicas !== undefined) spec.replicas = options.replicas;
  spec.selector = { matchLabels: { app: 'web' } };
  spec.template = {
    metadata: { labels: { app: 'web' } },
    spec: { containers: options.containers ?? [{ name: 'nginx', image: options.image ?? 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
  };
  Object.assign(spec, options.extraSpec);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop', ...(options.labels ? { labels: options.labels } : {}) },
    spec,
  };
}

/** Applies and asserts success; returns the new object. */
function apply(live: KubeObject | undefined, applied: KubeObject, manager: string, extra: Partial<ServerSideApplyInput> = {}): KubeObject {
  const result = serverSideApply({ live, applied, manager, force: false, schema: deployments, now: T0, ...extra });
  if (!result.ok) assert.fail(`unexpected conflicts: ${formatConflictMessage(result.conflicts)}`);
  return result.object;
}

function entry(object: KubeObject, manager: string, operation: 'Apply' | 'Update' = 'Apply'): ManagedFieldsEntry | undefined {
  return object.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation);
}

function owned(object: KubeObject, manager: string, operation: 'Apply' | 'Update' = 'Apply'): string[] {
  const e = entry(object, manager, operation);
  if (!e) return [];
  return paths(e.fieldsV1);
}

function paths(wire: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(wire)) {
    if (key === '.') {
      out.push(prefix);
      continue;
    }
    const element = key.startsWith('f:') ? `.${key.slice(2)}` : `[${key.slice(2)}]`;
    const children = value as Record<string, unknown>;
    if (Object.keys(children).length === 0) out.push(prefix + element);
    else out.push(...paths(children, prefix + element));
  }
  return out;
}

function containers(object: KubeObject): { name: string; image?: string; ports?: unknown[] }[] {
  const spec = object.spec as { template: { spec: { containers: { name: string; image?: string; ports?: unknown[] }[] } } };
  return spec.template.spec.containers;
}

describe('serverSideApply: one manager', () => {
  it('creates an object and records exactly the applied fields, as a cluster does', () => {
    const object = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    assert.deepEqual(object.metadata.managedFields, [
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"nginx"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
    assert.equal((object.spec as { replicas: number }).replicas, 2);
  });

  it('removes a field the manager stops applying', () => {
    const first = apply(undefined, deployment({ replicas: 2, labels: { app: 'web', tier: 'front' } }), 'kubectl');
    const second = apply(first, deployment({ labels: { app: 'web' } }), 'kubectl', { now: T1 });
    assert.equal('replicas' in (second.spec as object), false);
    assert.deepEqual(second.metadata.labels, { app: 'web' });
    assert.equal(owned(second, 'kubectl').includes('.spec.replicas'), false);
    assert.equal(entry(second, 'kubectl')?.time, T1);
  });

  it('removes the last label without touching the identity of the object', () => {
    const first = apply(undefined, deployment({ labels: { app: 'web' } }), 'kubectl');
    const second = apply(first, deployment(), 'kubectl', { now: T1 });
    assert.equal(second.metadata.name, 'web');
    assert.equal(second.metadata.namespace, 'shop');
    assert.equal(second.apiVersion, 'apps/v1');
    assert.equal('labels' in second.metadata, false);
  });

  it('removes a whole container the manager stops applying, keeping the others', () => {
    const both = [
      { name: 'nginx', image: 'nginx:1.27' },
      { name: 'log', image: 'fluent-bit:3' },
    ];
    const first = apply(undefined, deployment({ containers: both }), 'kubectl');
    const second = apply(first, deployment({ containers: [both[0]] }), 'kubectl');
    assert.deepEqual(containers(second).map((c) => c.name), ['nginx']);
  });

  it('keeps a field the manager stops applying when someone else still owns it', () => {
    const first = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const shared = apply(first, deployment({ replicas: 2 }), 'hpa-tool');
    const dropped = apply(shared, deployment(), 'kubectl');
    assert.equal((dropped.spec as { replicas: number }).replicas, 2);
    assert.deepEqual(owned(dropped, 'hpa-tool').filter((p) => p === '.spec.replicas'), ['.spec.replicas']);
  });

  it('is a no-op when the same configuration is applied again', () => {
    const first = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const result = serverSideApply({ live: first, applied: deployment({ replicas: 2 }), manager: 'kubectl', force: false, schema: deployments, now: T1 });
    assert.ok(result.ok);
    assert.equal(result.changed, false);
    assert.deepEqual(result.object, first);
  });

  it('does not mutate its inputs and shares nothing with them', () => {
    const applied = deployment({ replicas: 2 });
    const before = cloneJson(applied);
    const first = apply(undefined, applied, 'kubectl');
    assert.deepEqual(applied, before);
    assert.notEqual(first.spec, applied.spec);
    const liveBefore = cloneJson(first);
    apply(first, deployment({ replicas: 5 }), 'kubectl');
    assert.deepEqual(first, liveBefore);
  });

  it('ignores server-owned metadata and, for kinds with a status subresource, status', () => {
    const live = { ...apply(undefined, deployment({ replicas: 1 }), 'kubectl'), status: { replicas: 1 } };
    live.metadata = { ...live.metadata, uid: 'u-1', resourceVersion: '7', creationTimestamp: T0, generation: 1 };
    const applied = deployment({ replicas: 1 });
    applied.metadata = { ...applied.metadata, uid: 'other', resourceVersion: '3' };
    applied.status = { replicas: 99 };
    const object = apply(live, applied, 'kubectl', { now: T1 });
    assert.equal(object.metadata.uid, 'u-1');
    assert.equal(object.metadata.resourceVersion, '7');
    assert.deepEqual(object.status, { replicas: 1 });
    assert.equal(owned(object, 'kubectl').some((p) => p.startsWith('.status') || p.startsWith('.metadata')), false);
  });

  it('throws on duplicate list keys in the applied configuration', () => {
    const applied = deployment({ containers: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] });
    assert.throws(() => serverSideApply({ live: undefined, applied, manager: 'kubectl', force: false, schema: deployments, now: T0 }), {
      message: '.spec.template.spec.containers: duplicate entries for key [name="a"]',
    });
  });
});

describe('serverSideApply: several managers', () => {
  it('reports a changed field owned by another applier, with manager and path', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const result = serverSideApply({ live, applied: deployment({ replicas: 3 }), manager: 'capstan', force: false, schema: deployments, now: T1 });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.deepEqual(result.conflicts, [{ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', field: '.spec.replicas' }]);
    assert.equal(formatConflictMessage(result.conflicts), 'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    assert.deepEqual(conflictCauses(result.conflicts), [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl"', field: '.spec.replicas' }]);
  });

  it('names an Update owner with its apiVersion, as for kubectl-client-side-apply', () => {
    const created = trackUpdate({ live: undefined, updated: deployment({ replicas: 2 }), manager: 'kubectl-client-side-apply', schema: deployments, now: T0 });
    const result = serverSideApply({ live: created, applied: deployment({ replicas: 3, image: 'nginx:1.28' }), manager: 'capstan', force: false, schema: deployments, now: T1 });
    assert.ok(!result.ok);
    assert.equal(
      formatConflictMessage(result.conflicts),
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('groups conflicts by manager, managers sorted', () => {
    let live = apply(undefined, deployment({ replicas: 2 }), 'zeta');
    live = apply(live, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { team: 'a' } } }, 'alpha');
    const result = serverSideApply({ live, applied: deployment({ replicas: 4, labels: { team: 'b' } }), manager: 'capstan', force: false, schema: deployments, now: T1 });
    assert.ok(!result.ok);
    assert.equal(formatConflictMessage(result.conflicts), 'Apply failed with 2 conflicts: conflicts with "alpha":\n- .metadata.labels.team\nconflicts with "zeta":\n- .spec.replicas');
  });

  it('with force, takes the field from the other manager', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const object = apply(live, deployment({ replicas: 3 }), 'capstan', { force: true, now: T1 });
    assert.equal((object.spec as { replicas: number }).replicas, 3);
    assert.ok(owned(object, 'capstan').includes('.spec.replicas'));
    assert.equal(owned(object, 'kubectl').includes('.spec.replicas'), false);
    assert.ok(owned(object, 'kubectl').includes('.spec.selector'), 'unchanged fields stay shared');
  });

  it('shares a field applied with the same value, without conflict', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const object = apply(live, deployment({ replicas: 2 }), 'capstan', { now: T1 });
    assert.ok(owned(object, 'kubectl').includes('.spec.replicas'));
    assert.ok(owned(object, 'capstan').includes('.spec.replicas'));
  });

  it('merges containers by name across managers and keeps each one when the other re-applies', () => {
    const live = apply(undefined, deployment({ containers: [{ name: 'nginx', image: 'nginx:1.27' }] }), 'kubectl');
    const withSidecar = apply(live, deployment({ containers: [{ name: 'istio-proxy', image: 'proxyv2:1.22' }] }), 'istio', { now: T1 });
    assert.deepEqual(containers(withSidecar).map((c) => c.name), ['nginx', 'istio-proxy']);
    const bumped = apply(withSidecar, deployment({ containers: [{ name: 'nginx', image: 'nginx:1.28' }] }), 'kubectl', { now: T2 });
    assert.deepEqual(
      containers(bumped).map((c) => `${c.name}=${c.image}`),
      ['nginx=nginx:1.28', 'istio-proxy=proxyv2:1.22'],
    );
    assert.ok(owned(bumped, 'istio').includes('.spec.template.spec.containers[{"name":"istio-proxy"}].image'));
  });

  it('keys container ports by containerPort and protocol, protocol defaulting to TCP', () => {
    const live = apply(undefined, deployment({ containers: [{ name: 'dns', image: 'coredns', ports: [{ containerPort: 53 }] }] }), 'kubectl');
    // The explicit TCP port is the same item; the UDP one is a new item.
    const object = apply(
      live,
      deployment({ containers: [{ name: 'dns', ports: [{ containerPort: 53, protocol: 'TCP', name: 'dns-tcp' }, { containerPort: 53, protocol: 'UDP', name: 'dns' }] }] }),
      'capstan',
      { now: T1 },
    );
    assert.deepEqual(containers(object)[0].ports, [
      { containerPort: 53, protocol: 'TCP', name: 'dns-tcp' },
      { containerPort: 53, protocol: 'UDP', name: 'dns' },
    ]);
    assert.ok(owned(object, 'kubectl').includes('.spec.template.spec.containers[{"name":"dns"}].ports[{"containerPort":53,"protocol":"TCP"}].containerPort'));
  });

  it('unions set lists (finalizers) and records them as values', () => {
    const cm = (finalizers: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', finalizers } });
    const first = apply(undefined, cm(['example.com/a']), 'one', { schema: configMaps });
    const second = apply(first, cm(['example.com/b']), 'two', { schema: configMaps, now: T1 });
    assert.deepEqual(second.metadata.finalizers, ['example.com/a', 'example.com/b']);
    assert.deepEqual(entry(second, 'two')?.fieldsV1, { 'f:metadata': { 'f:finalizers': { 'v:"example.com/b"': {} } } });
    const third = apply(second, cm([]), 'one', { schema: configMaps, now: T2 });
    assert.deepEqual(third.metadata.finalizers, ['example.com/b']);
  });

  it('places new list items where the applied order puts them', () => {
    const names = (object: KubeObject) => containers(object).map((c) => c.name);
    const c = (name: string) => ({ name, image: name });
    const live = apply(undefined, deployment({ containers: [c('a'), c('b'), c('c')] }), 'one');
    assert.deepEqual(names(apply(live, deployment({ containers: [c('d'), c('a')] }), 'two')), ['d', 'a', 'b', 'c']);
    assert.deepEqual(names(apply(live, deployment({ containers: [c('c'), c('a')] }), 'two')), ['b', 'c', 'a']);
  });

  it('moves ownership to kubectl from client-side apply when the last-applied configuration still matches', () => {
    const csa = deployment({ replicas: 2 });
    csa.metadata.annotations = { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(deployment({ replicas: 2 })) };
    const live = trackUpdate({ live: undefined, updated: csa, manager: 'kubectl-client-side-apply', schema: deployments, now: T0 });
    const object = apply(live, deployment({ replicas: 3 }), 'kubectl', { now: T1 });
    assert.equal((object.spec as { replicas: number }).replicas, 3);
    assert.equal(owned(object, 'kubectl-client-side-apply', 'Update').includes('.spec.replicas'), false);
    const annotation = object.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
    assert.equal(annotation, `${JSON.stringify(sortKeys(deployment({ replicas: 3 })))}\n`);
    // Another manager gets no such allowance.
    const other = serverSideApply({ live, applied: deployment({ replicas: 3 }), manager: 'capstan', force: false, schema: deployments, now: T1 });
    assert.equal(other.ok, false);
  });

  it('attributes the fields of an untracked object to before-first-apply', () => {
    const untracked = deployment({ replicas: 2 });
    const result = serverSideApply({ live: untracked, applied: deployment({ replicas: 5 }), manager: 'capstan', force: false, schema: deployments, now: T1 });
    assert.ok(!result.ok);
    assert.equal(formatConflictMessage(result.conflicts), 'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas');
  });
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, sortKeys(v)]));
}

describe('serverSideApply: subresources and custom resources', () => {
  it('applies status on the status subresource only', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const applied = { ...deployment({ replicas: 9 }), status: { replicas: 2, conditions: [{ type: 'Available', status: 'True' }] } };
    const object = apply(live, applied, 'controller', { subresource: 'status', now: T1 });
    assert.equal((object.spec as { replicas: number }).replicas, 2);
    assert.deepEqual(object.status, applied.status);
    const e = entry(object, 'controller');
    assert.equal(e?.subresource, 'status');
    assert.deepEqual(paths(e!.fieldsV1).sort(), ['.status.conditions[{"type":"Available"}]', '.status.conditions[{"type":"Available"}].status', '.status.conditions[{"type":"Available"}].type', '.status.replicas']);
  });

  it('reads list types from a CRD schema', () => {
    const schema = crdMergeSchema({
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            targets: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, weight: { type: 'integer' } } } },
            tags: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    });
    const cr = (targets: unknown[], tags: string[]): KubeObject => ({ apiVersion: 'example.com/v1', kind: 'Rollout', metadata: { name: 'r' }, spec: { targets, tags } });
    const live = apply(undefined, cr([{ name: 'a', weight: 1 }], ['x']), 'one', { schema });
    const object = apply(live, cr([{ name: 'b', weight: 2 }], ['y']), 'two', { schema, now: T1, force: true });
    assert.deepEqual(object.spec, { targets: [{ name: 'a', weight: 1 }, { name: 'b', weight: 2 }], tags: ['y'] });
  });
});

describe('trackUpdate', () => {
  it('records a create the way kubectl create is recorded', () => {
    const created = trackUpdate({ live: undefined, updated: deployment({ replicas: 1 }), manager: 'kubectl-create', schema: deployments, now: T0 });
    const wire = entry(created, 'kubectl-create', 'Update')!.fieldsV1;
    assert.equal(
      JSON.stringify(wire),
      JSON.stringify({
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:image': {},
                  'f:name': {},
                  'f:ports': { '.': {}, 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                },
              },
            },
          },
        },
      }),
    );
  });

  it('moves changed fields to the updater and drops removed fields from everyone', () => {
    const live = apply(undefined, deployment({ replicas: 2, labels: { app: 'web', tier: 'front' } }), 'kubectl');
    const edited = cloneJson(live);
    (edited.spec as { replicas: number }).replicas = 4;
    delete edited.metadata.labels!.tier;
    const object = trackUpdate({ live, updated: edited, manager: 'kubectl-edit', schema: deployments, now: T1 });
    assert.deepEqual(owned(object, 'kubectl-edit', 'Update'), ['.spec.replicas']);
    assert.equal(owned(object, 'kubectl').includes('.spec.replicas'), false);
    assert.equal(owned(object, 'kubectl').includes('.metadata.labels.tier'), false);
    assert.equal(entry(object, 'kubectl')?.time, T0, 'an untouched entry keeps its time');
  });

  it('merges into the updater’s existing entry for the same apiVersion', () => {
    const live = trackUpdate({ live: undefined, updated: deployment({ replicas: 1 }), manager: 'kubectl-edit', schema: deployments, now: T0 });
    const edited = cloneJson(live);
    edited.metadata.labels = { team: 'a' };
    const object = trackUpdate({ live, updated: edited, manager: 'kubectl-edit', schema: deployments, now: T1 });
    assert.equal(object.metadata.managedFields?.length, 1);
    assert.ok(owned(object, 'kubectl-edit', 'Update').includes('.spec.replicas'));
    assert.ok(owned(object, 'kubectl-edit', 'Update').includes('.metadata.labels.team'));
    assert.equal(object.metadata.managedFields?.[0].time, T1);
  });

  it('leaves managedFields untouched by a no-op update', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const object = trackUpdate({ live, updated: cloneJson(live), manager: 'kubectl-replace', schema: deployments, now: T1 });
    assert.deepEqual(object.metadata.managedFields, live.metadata.managedFields);
  });

  it('clears managedFields on [{}], then leaves the object untracked', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const reset = cloneJson(live);
    reset.metadata.managedFields = [{} as ManagedFieldsEntry];
    const cleared = trackUpdate({ live, updated: reset, manager: 'kubectl-patch', schema: deployments, now: T1 });
    assert.equal('managedFields' in cleared.metadata, false);
    const edited = cloneJson(cleared);
    (edited.spec as { replicas: number }).replicas = 3;
    assert.equal('managedFields' in trackUpdate({ live: cleared, updated: edited, manager: 'kubectl-edit', schema: deployments, now: T2 }).metadata, false);
  });

  it('keeps the live managedFields when the request carries none', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const edited = cloneJson(live);
    delete edited.metadata.managedFields;
    (edited.spec as { replicas: number }).replicas = 3;
    const object = trackUpdate({ live, updated: edited, manager: 'kubectl-edit', schema: deployments, now: T1 });
    assert.deepEqual(object.metadata.managedFields?.map((e) => e.manager), ['kubectl', 'kubectl-edit']);
  });

  it('records status updates on the status subresource separately', () => {
    const live = apply(undefined, deployment({ replicas: 2 }), 'kubectl');
    const withStatus = { ...cloneJson(live), status: { replicas: 2, readyReplicas: 2 } };
    const object = trackUpdate({ live, updated: withStatus, manager: 'kube-controller-manager', schema: deployments, now: T1, subresource: 'status' });
    const e = object.metadata.managedFields?.find((m) => m.manager === 'kube-controller-manager');
    assert.equal(e?.subresource, 'status');
    assert.deepEqual(e?.fieldsV1, { 'f:status': { '.': {}, 'f:readyReplicas': {}, 'f:replicas': {} } });
  });

  it('folds the oldest of more than ten Update managers into ancient-changes', () => {
    const created: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { seed: 'x' } };
    let object = trackUpdate({ live: undefined, updated: created, manager: 'kubectl-create', schema: configMaps, now: '2024-05-01T09:00:00Z' });
    for (let i = 0; i < 12; i++) {
      const next = cloneJson(object);
      (next.data as Record<string, string>)[`k${i}`] = 'v';
      object = trackUpdate({ live: object, updated: next, manager: `editor-${String(i).padStart(2, '0')}`, schema: configMaps, now: `2024-05-01T10:${String(i).padStart(2, '0')}:00Z` });
    }
    const updaters = object.metadata.managedFields!.filter((e) => e.operation === 'Update');
    assert.equal(updaters.length, 10);
    const ancient = updaters.find((e) => e.manager === 'ancient-changes');
    assert.deepEqual(ancient?.fieldsV1, { 'f:data': { '.': {}, 'f:k0': {}, 'f:k1': {}, 'f:k2': {}, 'f:seed': {} } });
    assert.equal(ancient?.time, '2024-05-01T10:02:00Z');
  });
});

describe('managerFromUserAgent (apiserver prefixFromUserAgent)', () => {
  it('keeps the part before the first "/", drops unprintable characters and stops at 128 bytes', () => {
    assert.equal(managerFromUserAgent('kubectl/v1.32.4 (linux/amd64) kubernetes/4cb5f07'), 'kubectl');
    assert.equal(managerFromUserAgent('Go-http-client/2.0'), 'Go-http-client');
    assert.equal(managerFromUserAgent('my tool\u0007\n'), 'my tool');
    assert.equal(managerFromUserAgent(''), '');
    assert.equal(managerFromUserAgent('x'.repeat(200)), 'x'.repeat(128));
    assert.equal(managerFromUserAgent('é'.repeat(100)), 'é'.repeat(64));
  });
});

describe('trackScale', () => {
  const live = (managedFields: ManagedFieldsEntry[]): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', managedFields }, spec: { replicas: 2 } });
  const applier: ManagedFieldsEntry = { manager: 'capstan', operation: 'Apply', apiVersion: 'apps/v1', time: '2024-05-01T10:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {}, 'f:paused': {} } } };
  const input = { manager: 'kubectl', apiVersion: 'apps/v1', replicasPath: '.spec.replicas' };

  it('gives .spec.replicas to the writer on the scale subresource, without a time, and takes it from the others', () => {
    assert.deepEqual(trackScale({ ...input, live: live([applier]), changed: true }), [
      { ...applier, fieldsV1: { 'f:spec': { 'f:paused': {} } } },
      { manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, subresource: 'scale' },
    ]);
  });

  it('changes nothing when the number stays the same', () => {
    assert.deepEqual(trackScale({ ...input, live: live([applier]), changed: false }), [applier]);
  });
});
