import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from './api-error.ts';
import { isDeepStrictEqual } from 'node:util';
import { ApiCore, clone } from './api.ts';
import { jsonEqual } from './field-set.ts';
import { Store } from './store.ts';

async function cluster(): Promise<ApiCore> {
  const api = new ApiCore(new Store());
  await api.bootstrap();
  return api;
}

test('a server-side apply conflict is a 409 whose causes name the manager and field as Kubernetes does', async () => {
  const api = await cluster();
  const type = api.type('v1', 'ConfigMap');
  const apply = (manager: string, value: string) =>
    api.patch(type, 'default', 'c', 'apply', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: value } }), { fieldManager: manager });
  await apply('first', 'a');
  await assert.rejects(apply('second', 'b'), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 409);
    assert.deepEqual(error.details?.causes, [{ reason: 'FieldManagerConflict', message: 'conflict with "first"', field: '.data.k' }]);
    return true;
  });
});

test('a custom resource without a status subresource keeps the status it is applied with', async () => {
  const api = await cluster();
  await api.create(api.type('apiextensions.k8s.io/v1', 'CustomResourceDefinition'), undefined, {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'gadgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', singular: 'gadget', kind: 'Gadget' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
    },
  });
  const type = api.type('example.com/v1', 'Gadget');
  const applied = { apiVersion: 'example.com/v1', kind: 'Gadget', metadata: { name: 'g' }, spec: { size: 1 }, status: { phase: 'Ready' } };
  const { object } = await api.patch(type, 'default', 'g', 'apply', JSON.stringify(applied), { fieldManager: 'tool' });
  assert.deepEqual(object.status, { phase: 'Ready' });
  assert.deepEqual(api.get(type, 'default', 'g').status, { phase: 'Ready' });
});

test('a Secret stores stringData merged into data, and applying the same stringData again is not a write', async () => {
  const api = await cluster();
  const type = api.type('v1', 'Secret');
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { kept: 'eA==', both: 'b2xk' }, stringData: { password: 'p@ss', both: 'new' } });
  const { object: first } = await api.patch(type, 'default', 's', 'apply', body, { fieldManager: 'capstan' });
  assert.deepEqual((first as { data?: unknown }).data, { kept: 'eA==', both: 'bmV3', password: 'cEBzcw==' });
  assert.equal((first as { stringData?: unknown }).stringData, undefined);
  const { object: again } = await api.patch(type, 'default', 's', 'apply', body, { fieldManager: 'capstan' });
  assert.equal(again.metadata.resourceVersion, first.metadata.resourceVersion);
});

test('clone copies as a JSON round trip does', () => {
  const value = JSON.parse('{"a":{"b":[1,{"c":"d"}]},"__proto__":{"polluted":true}}') as Record<string, unknown>;
  Object.assign(value, { gone: undefined, fn: () => 1, nan: Number.NaN, list: [undefined, 2, Number.POSITIVE_INFINITY], when: new Date(0) });
  const copy = clone(value);
  assert.deepStrictEqual(copy, JSON.parse(JSON.stringify(value)));
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.notEqual((copy as { a: unknown }).a, value.a);
});

test('jsonEqual agrees with util.isDeepStrictEqual on JSON values', () => {
  const values: unknown[] = [
    null, 0, -0, 1, Number.NaN, '', 'a', true, false, [], [1], [1, 2], [2, 1], {}, { a: 1 }, { a: 1, b: 2 }, { b: 2, a: 1 }, { a: undefined }, { a: [1, { b: null }] }, { a: [1, { b: 0 }] },
    { metadata: { name: 'x', labels: { app: 'a' } }, spec: { replicas: 1 } }, { metadata: { name: 'x', labels: { app: 'b' } }, spec: { replicas: 1 } }, [[]], [{}], '1', undefined,
  ];
  for (const a of values) for (const b of values) assert.equal(jsonEqual(a, b), isDeepStrictEqual(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
  for (const a of values) assert.equal(jsonEqual(a, structuredClone(a)), true);
});

test('a status write succeeds on an object whose stored spec the current rules refuse, as the status strategies of the API server do', async () => {
  // Stored specs can predate a stricter rule (a sandbox's --data file from an older version): a
  // status write takes everything but the status from the live object, so it is not refused for them.
  const api = await cluster();
  const type = api.type('apps/v1', 'Deployment');
  const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'a', image: 'a:1' }] } };
  const created = await api.create(type, 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: { replicas: 1, selector: { matchLabels: { app: 'a' } }, template } });
  const stored = clone(created);
  (stored.spec as { replicas: number }).replicas = -1;
  stored.metadata.resourceVersion = String(api.store.nextResourceVersion());
  await api.store.put('deployments.apps', stored);

  const body = { ...clone(stored), status: { observedGeneration: 1, replicas: 0 } };
  const written = await api.update(type, 'default', 'a', body, { fieldManager: 'controller', subresource: 'status' });
  assert.deepEqual(written.status, { observedGeneration: 1, replicas: 0 });
  assert.equal((written.spec as { replicas: number }).replicas, -1);
  // the spec itself is still validated when it is written
  await assert.rejects(api.update(type, 'default', 'a', { ...clone(written), spec: { ...(written.spec as object), replicas: -2 } }), (error: unknown) => error instanceof ApiError && error.code === 422);
});

test('a write that changes the object stamps its writer’s managedFields entry with the time, as the apiserver does; a no-op write moves nothing', async () => {
  let now = new Date('2025-01-01T10:00:00Z');
  const api = new ApiCore(new Store(), { now: () => now });
  await api.bootstrap();
  const type = api.type('v1', 'ConfigMap');
  const apply = async (manager: string, data: Record<string, string>) =>
    (await api.patch(type, 'default', 'timed', 'apply', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'timed' }, data }), { fieldManager: manager })).object;
  const times = (object: { metadata: { managedFields?: unknown } }) => (object.metadata.managedFields as { manager: string; time: string }[]).map((e) => `${e.manager} ${e.time}`).sort();
  await apply('capstan', { a: '1' });
  await apply('other', { b: '1' });
  now = new Date('2025-01-01T10:00:07Z');
  const changed = await apply('capstan', { a: '2' });
  assert.deepEqual(times(changed), ['capstan 2025-01-01T10:00:07Z', 'other 2025-01-01T10:00:00Z'], 'the same fields, a new value: the writer’s time moves');
  now = new Date('2025-01-01T10:00:09Z');
  const same = await apply('capstan', { a: '2' });
  assert.deepEqual(times(same), ['capstan 2025-01-01T10:00:07Z', 'other 2025-01-01T10:00:00Z'], 'nothing changed: nothing moves');
});

test('a resourceVersion in a server-side apply is a precondition, as in any patch: a stale one is 409, one for an absent object 404', async () => {
  const api = await cluster();
  const type = api.type('v1', 'ConfigMap');
  const apply = async (body: Record<string, unknown>) =>
    (await api.patch(type, 'default', 'guarded', 'apply', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', ...body }), { fieldManager: 'locker' })).object;
  await assert.rejects(apply({ metadata: { name: 'guarded', resourceVersion: '1' }, data: { a: '1' } }), (error: unknown) => error instanceof ApiError && error.code === 404);
  const first = await apply({ metadata: { name: 'guarded' }, data: { a: '1' } });
  const second = await apply({ metadata: { name: 'guarded', resourceVersion: first.metadata.resourceVersion }, data: { a: '2' } });
  await assert.rejects(apply({ metadata: { name: 'guarded', resourceVersion: first.metadata.resourceVersion }, data: { a: '3' } }), (error: unknown) => {
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 409);
    assert.equal(error.message, 'Operation cannot be fulfilled on configmaps "guarded": the object has been modified; please apply your changes to the latest version and try again');
    return true;
  });
  assert.equal((second.data as Record<string, string>).a, '2');
});
