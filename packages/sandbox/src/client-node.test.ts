import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy, Watch, type KubernetesObject } from '@kubernetes/client-node';
import { startSandbox, type Sandbox } from './index.ts';
import { eventually } from './testing.ts';

interface HttpError {
  code?: number;
  body?: unknown;
}

function statusOf(error: unknown): { code: number; status: Record<string, unknown> } {
  const e = error as HttpError;
  const body = typeof e.body === 'string' ? (JSON.parse(e.body) as Record<string, unknown>) : (e.body as Record<string, unknown>);
  return { code: e.code ?? 0, status: body };
}

describe('@kubernetes/client-node against the sandbox', () => {
  let sandbox: Sandbox;
  let kc: KubeConfig;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let objects: KubernetesObjectApi;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'client-token', podReadyDelayMs: 50, watchHistory: 50 });
    kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
    objects = KubernetesObjectApi.makeApiClient(kc);
  });
  after(() => sandbox.stop());

  async function namespace(name: string): Promise<string> {
    await core.createNamespace({ body: { metadata: { name } } });
    return name;
  }

  test('a request without the token gets 401 Unauthorized', async () => {
    const anonymous = new KubeConfig();
    anonymous.loadFromString(sandbox.kubeconfig.replace(/token: client-token/, 'token: wrong'));
    await assert.rejects(anonymous.makeApiClient(CoreV1Api).listNamespace(), (error: unknown) => {
      assert.equal((error as HttpError).code, 401);
      return true;
    });
  });

  test('create, get, update with a stale resourceVersion, delete', async () => {
    const ns = await namespace('crud');
    const created = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' }, data: { a: '1' } } });
    assert.match(created.metadata?.uid ?? '', /^[0-9a-f-]{36}$/);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    const fetched = await core.readNamespacedConfigMap({ name: 'c', namespace: ns });
    assert.deepEqual(fetched.data, { a: '1' });
    await assert.rejects(core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'c' } } }), (error: unknown) => {
      const { code, status } = statusOf(error);
      assert.equal(code, 409);
      assert.equal(status.reason, 'AlreadyExists');
      assert.equal(status.message, 'configmaps "c" already exists');
      return true;
    });
    const updated = await core.replaceNamespacedConfigMap({ name: 'c', namespace: ns, body: { ...fetched, data: { a: '2' } } });
    assert.notEqual(updated.metadata?.resourceVersion, fetched.metadata?.resourceVersion);
    await assert.rejects(core.replaceNamespacedConfigMap({ name: 'c', namespace: ns, body: { ...fetched, data: { a: '3' } } }), (error: unknown) => {
      const { code, status } = statusOf(error);
      assert.equal(code, 409);
      assert.equal(status.message, 'Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again');
      return true;
    });
    await core.deleteNamespacedConfigMap({ name: 'c', namespace: ns });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'c', namespace: ns }), (error: unknown) => statusOf(error).code === 404);
  });

  test('invalid objects are rejected with field causes', async () => {
    const ns = await namespace('invalid');
    await assert.rejects(
      apps.createNamespacedDeployment({
        namespace: ns,
        body: {
          metadata: { name: 'Bad_Name' },
          spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: '' }] } } },
        },
      }),
      (error: unknown) => {
        const { code, status } = statusOf(error);
        assert.equal(code, 422);
        assert.equal(status.reason, 'Invalid');
        const fields = ((status.details as { causes: { field: string }[] }).causes ?? []).map((c) => c.field);
        assert.ok(fields.includes('metadata.name'), fields.join());
        assert.ok(fields.includes('spec.template.spec.containers[0].image'), fields.join());
        assert.ok(fields.includes('spec.template.metadata.labels'), fields.join());
        return true;
      },
    );
  });

  test('server-side apply: dry run changes nothing, apply creates, unchanged apply does not bump resourceVersion', async () => {
    const ns = await namespace('ssa');
    const cm: KubernetesObject & { data: Record<string, string> } = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: ns }, data: { k: 'v' } };
    const dry = await objects.patch(cm, undefined, 'All', 'capstan', false, PatchStrategy.ServerSideApply);
    assert.equal(dry.metadata?.name, 'applied');
    await assert.rejects(core.readNamespacedConfigMap({ name: 'applied', namespace: ns }), (error: unknown) => statusOf(error).code === 404);
    const first = await objects.patch(cm, undefined, undefined, 'capstan', false, PatchStrategy.ServerSideApply);
    const second = await objects.patch(cm, undefined, undefined, 'capstan', false, PatchStrategy.ServerSideApply);
    assert.equal(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
    assert.deepEqual(
      first.metadata?.managedFields?.map((m) => [m.manager, m.operation, m.fieldsV1]),
      [['capstan', 'Apply', { 'f:data': { 'f:k': {} } }]],
    );
  });

  test('list with label and field selectors, and paging with limit/continue', async () => {
    const ns = await namespace('paging');
    for (let i = 0; i < 7; i++) {
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `cm-${i}`, labels: { parity: i % 2 ? 'odd' : 'even' } } } });
    }
    const odd = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'parity=odd' });
    assert.deepEqual(odd.items.map((i) => i.metadata?.name), ['cm-1', 'cm-3', 'cm-5']);
    const notIn = await core.listNamespacedConfigMap({ namespace: ns, labelSelector: 'parity notin (odd),parity' });
    assert.equal(notIn.items.length, 4);
    const byName = await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.name=cm-2,metadata.namespace=${ns}` });
    assert.deepEqual(byName.items.map((i) => i.metadata?.name), ['cm-2']);
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: ns, limit: 3, _continue: token, labelSelector: 'parity' });
      names.push(...page.items.map((i) => i.metadata?.name as string));
      token = page.metadata?._continue;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(names, ['cm-0', 'cm-1', 'cm-2', 'cm-3', 'cm-4', 'cm-5', 'cm-6']);
  });

  test('watch from a resourceVersion sees later changes; a too-old version gets 410 Gone', async () => {
    const ns = await namespace('watch');
    const start = await core.listNamespacedConfigMap({ namespace: ns });
    const rv = start.metadata?.resourceVersion as string;
    const seen: string[] = [];
    const watcher = new Watch(kc);
    const controller = await watcher.watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: rv, allowWatchBookmarks: true }, (phase, obj: KubernetesObject) => {
      if (phase !== 'BOOKMARK') seen.push(`${phase} ${obj.metadata?.name}`);
    }, () => undefined);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'w' } } });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: ns, body: [{ op: 'add', path: '/data', value: { x: 'y' } }] });
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: ns });
    await eventually(() => (seen.length >= 3 ? true : undefined), 30_000, 'three watch events');
    controller.abort();
    assert.deepEqual(seen, ['ADDED w', 'MODIFIED w', 'DELETED w']);

    // push the old version out of the (small) history, then resume from it
    for (let i = 0; i < 120; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `filler-${i}` } } });
    const errors: unknown[] = [];
    const stale = await new Watch(kc).watch(`/api/v1/namespaces/${ns}/configmaps`, { resourceVersion: rv }, (phase, obj: Record<string, unknown>) => {
      if (phase === 'ERROR') errors.push(obj);
    }, () => undefined);
    await eventually(() => (errors.length > 0 ? true : undefined), 30_000, 'ERROR event');
    stale.abort();
    assert.equal((errors[0] as { code: number }).code, 410);
    assert.equal((errors[0] as { reason: string }).reason, 'Expired');
  });

  test('status and scale subresources', async () => {
    const ns = await namespace('subresources');
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'app' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'app' } }, template: { metadata: { labels: { app: 'app' } }, spec: { containers: [{ name: 'app', image: 'nginx:1' }] } } },
      },
    });
    const scaled = await apps.replaceNamespacedDeploymentScale({ name: 'app', namespace: ns, body: { metadata: { name: 'app', namespace: ns }, spec: { replicas: 3 } } });
    assert.equal(scaled.spec?.replicas, 3);
    const ready = await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'app', namespace: ns });
      return d.status?.readyReplicas === 3 ? d : undefined;
    }, 30_000, '3 ready replicas');
    assert.equal(ready.status?.observedGeneration, ready.metadata?.generation);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'app', namespace: ns });
    assert.equal(scale.status?.selector, 'app=app');
    // a write to the main resource cannot change status
    await apps.replaceNamespacedDeployment({ name: 'app', namespace: ns, body: { ...ready, status: { replicas: 99 } } });
    const after = await apps.readNamespacedDeployment({ name: 'app', namespace: ns });
    assert.notEqual(after.status?.replicas, 99);
  });

  test('owner-reference garbage collection in the background and in the foreground', async () => {
    const ns = await namespace('gc');
    for (const policy of ['Background', 'Foreground'] as const) {
      const owner = await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `owner-${policy.toLowerCase()}` } } });
      await core.createNamespacedConfigMap({
        namespace: ns,
        body: { metadata: { name: `child-${policy.toLowerCase()}`, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: `owner-${policy.toLowerCase()}`, uid: owner.metadata?.uid as string, blockOwnerDeletion: true }] } },
      });
      await core.deleteNamespacedConfigMap({ name: `owner-${policy.toLowerCase()}`, namespace: ns, propagationPolicy: policy });
      await eventually(async () => {
        const names = (await core.listNamespacedConfigMap({ namespace: ns })).items.map((i) => i.metadata?.name);
        return names.some((n) => n?.endsWith(policy.toLowerCase())) ? undefined : true;
      }, 30_000, `${policy} deletion`);
    }
  });

  test('finalizers hold an object until removed', async () => {
    const ns = await namespace('finalizers');
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: ns });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: ns });
    assert.ok(held.metadata?.deletionTimestamp);
    await core.patchNamespacedConfigMap({ name: 'held', namespace: ns, body: [{ op: 'remove', path: '/metadata/finalizers' }] });
    await assert.rejects(core.readNamespacedConfigMap({ name: 'held', namespace: ns }), (error: unknown) => statusOf(error).code === 404);
  });

  test('injected faults fail the configured share of requests', async () => {
    sandbox.setFaults({ rate: 0.5, kinds: ['error500', 'error429'], seed: 7 });
    let failed = 0;
    for (let i = 0; i < 40; i++) {
      try {
        await core.listNamespace();
      } catch (error) {
        const { code } = statusOf(error);
        assert.ok(code === 500 || code === 429, `unexpected code ${code}`);
        failed++;
      }
    }
    sandbox.setFaults({ rate: 0 });
    assert.ok(failed > 8 && failed < 32, `expected about half of 40 requests to fail, ${failed} did`);
  });
});
