import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { NotFoundError, TransientError, ValidationError, type Manifest } from '../core/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { createKubeClient, type HttpKubeClient } from './create-kube-client.ts';
import { AlreadyExistsError, ApplyConflictError, ExpiredError, KubeValidationError, ModifiedError, UnauthorizedError } from './kube-errors.ts';
import type { WatchEvent } from './types.ts';

/** Polls `check` until it returns a value; `timeoutMs` only bounds a test that fails, so it is generous for a loaded machine. */
async function until<T>(check: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function configMap(namespace: string, name: string, data: Record<string, string> = { k: 'v' }, labels?: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...(labels ? { labels } : {}) }, data };
}

function deployment(namespace: string, name: string, replicas = 1): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    },
  };
}

describe('createKubeClient against the sandbox', () => {
  let sandbox: Sandbox;
  let client: HttpKubeClient;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'kube-client-token', watchHistory: 20, podReadyDelayMs: 50 });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  });
  after(async () => {
    client.close();
    await sandbox.stop();
  });

  async function namespace(name: string): Promise<string> {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  test('discovery: core and group kinds, namespaced or not, with subresources on the parent', async () => {
    const version = await client.serverVersion();
    assert.deepEqual(version, { major: 1, minor: 32, gitVersion: 'v1.32.0-capstan-sandbox' });
    // read once, and again once discovery is invalidated (an upgraded cluster is seen without a new client)
    const reads = () => client.stats().requests.version ?? 0;
    const readsBefore = reads();
    await client.serverVersion();
    assert.equal(reads(), readsBefore);
    client.invalidateDiscovery();
    await client.serverVersion();
    assert.equal(reads(), readsBefore + 1);
    const cm = await client.resourceFor('v1', 'ConfigMap');
    assert.deepEqual({ ...cm, verbs: undefined }, { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true, verbs: undefined, subresources: [] });
    const ns = await client.resourceFor('v1', 'Namespace');
    assert.equal(ns?.namespaced, false);
    assert.equal(ns?.resource, 'namespaces');
    const deploy = await client.resourceFor('apps/v1', 'Deployment');
    assert.equal(deploy?.resource, 'deployments');
    assert.equal(deploy?.namespaced, true);
    assert.deepEqual(deploy?.subresources, ['status', 'scale']);
    assert.ok(deploy?.verbs.includes('patch'));
    const crd = await client.resourceFor('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    assert.equal(crd?.namespaced, false);
    const all = await client.resources();
    assert.ok(all.some((r) => r.kind === 'Pod' && r.group === ''));
    assert.ok(!all.some((r) => r.resource.includes('/')), 'subresources are not kinds');
    // cached: a hit costs no request
    const before = client.stats().requests.discovery ?? 0;
    await client.resourceFor('apps/v1', 'Deployment');
    assert.equal(client.stats().requests.discovery ?? 0, before);
  });

  test('a lookup before any full discovery pass reads only its own group version', async () => {
    client.invalidateDiscovery();
    const mark = client.stats().requests.discovery ?? 0;
    const [deploy, again, cm] = await Promise.all([client.resourceFor('apps/v1', 'Deployment'), client.resourceFor('apps/v1', 'StatefulSet'), client.resourceFor('v1', 'ConfigMap')]);
    assert.equal(deploy?.resource, 'deployments');
    assert.deepEqual(deploy?.subresources, ['status', 'scale']);
    assert.equal(again?.resource, 'statefulsets');
    assert.equal(cm?.namespaced, true);
    assert.equal((client.stats().requests.discovery ?? 0) - mark, 2, '/apis/apps/v1 and /api/v1, once each');
    // a kind its group version does not list still gets a full pass (a CRD may just have come)
    assert.equal(await client.resourceFor('apps/v1', 'Gadget'), undefined);
    assert.ok((client.stats().requests.discovery ?? 0) - mark > 5);
  });

  test("a CRD's kind is served once the CRD exists: the miss refreshes discovery once", async () => {
    const ns = await namespace('crd');
    // the cost of one discovery pass, in requests
    client.invalidateDiscovery();
    let mark = client.stats().requests.discovery ?? 0;
    await client.resources();
    const pass = (client.stats().requests.discovery ?? 0) - mark;
    assert.ok(pass > 5, `a pass reads /api, /apis and every group version (${pass})`);
    // concurrent misses share one refresh
    mark = client.stats().requests.discovery ?? 0;
    const misses = await Promise.all(Array.from({ length: 5 }, () => client.resourceFor('example.com/v1', 'Widget')));
    assert.deepEqual(misses, [undefined, undefined, undefined, undefined, undefined]);
    assert.equal((client.stats().requests.discovery ?? 0) - mark, pass);
    await client.apply({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.example.com' },
      spec: {
        group: 'example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    });
    mark = client.stats().requests.discovery ?? 0;
    const widget = await client.resourceFor('example.com/v1', 'Widget');
    assert.ok(widget, 'served right after the CRD was applied');
    assert.equal((client.stats().requests.discovery ?? 0) - mark, pass + 1, 'one refresh, which now includes example.com/v1');
    assert.deepEqual({ ...widget, verbs: [] }, { group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: true, verbs: [], subresources: [] });
    const applied = await client.apply({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: ns }, spec: { size: 3 } });
    assert.deepEqual(applied.spec, { size: 3 });

    const discoveryBefore = client.stats().requests.discovery ?? 0;
    client.invalidateDiscovery();
    await client.resourceFor('v1', 'ConfigMap');
    assert.ok((client.stats().requests.discovery ?? 0) > discoveryBefore, 'invalidateDiscovery makes the next lookup read discovery again');
  });

  test('apply creates, an unchanged apply keeps the resourceVersion, a changed one bumps it', async () => {
    const ns = await namespace('apply');
    const first = await client.apply(configMap(ns, 'settings'));
    assert.equal(first.metadata.name, 'settings');
    assert.deepEqual(first.data, { k: 'v' });
    const writes = sandbox.stats().writes;
    const second = await client.apply(configMap(ns, 'settings'));
    assert.equal(second.metadata.resourceVersion, first.metadata.resourceVersion);
    assert.equal(sandbox.stats().writes, writes, 'an unchanged apply writes nothing');
    const third = await client.apply(configMap(ns, 'settings', { k: 'w' }));
    assert.notEqual(third.metadata.resourceVersion, first.metadata.resourceVersion);
    const managers = (third.metadata.managedFields as { manager: string; operation: string }[]).map((m) => `${m.manager}/${m.operation}`);
    assert.deepEqual(managers, ['capstan/Apply']);
  });

  test('a dry-run apply answers with the object and persists nothing', async () => {
    const ns = await namespace('dry-run');
    const dry = await client.apply(deployment(ns, 'web'), { dryRun: true });
    assert.equal(dry.metadata.name, 'web');
    assert.equal((dry.spec as { replicas: number }).replicas, 1);
    assert.equal(await client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: ns, name: 'web' }), undefined);
  });

  test('a conflict with another field manager names the field and the manager; force takes ownership', async () => {
    const ns = await namespace('conflicts');
    await client.apply(deployment(ns, 'api', 2));
    // someone runs `kubectl edit` and changes the replicas: an Update by manager kubectl-edit
    const kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    await KubernetesObjectApi.makeApiClient(kc).patch(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: ns }, spec: { replicas: 5 } } as never,
      undefined,
      undefined,
      'kubectl-edit',
      undefined,
      PatchStrategy.MergePatch,
    );
    const error = await client.apply(deployment(ns, 'api', 3)).then(
      () => assert.fail('expected a conflict'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ApplyConflictError);
    assert.equal(error.message, `Deployment/${ns}/api apply failed: conflict with "kubectl-edit" using apps/v1: .spec.replicas; use --force-conflicts to take them`);
    assert.equal(error.category, 'conflict');
    assert.equal(error.subject, `Deployment/${ns}/api`);
    assert.deepEqual(error.conflicts, [{ manager: 'kubectl-edit', field: '.spec.replicas', description: 'conflict with "kubectl-edit" using apps/v1' }]);

    const forced = await client.apply(deployment(ns, 'api', 3), { force: true });
    assert.equal((forced.spec as { replicas: number }).replicas, 3);
    const owners = (forced.metadata.managedFields as { manager: string; fieldsV1: { 'f:spec'?: Record<string, unknown> } }[])
      .filter((m) => m.fieldsV1['f:spec']?.['f:replicas'] !== undefined)
      .map((m) => m.manager);
    assert.deepEqual(owners, ['capstan']);
    // and a second apply no longer conflicts
    await client.apply(deployment(ns, 'api', 3));
  });

  test('an invalid object is a ValidationError with the field causes', async () => {
    const ns = await namespace('invalid');
    const bad = deployment(ns, 'Bad_Name');
    const error = await client.apply(bad).then(
      () => assert.fail('expected a validation error'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof KubeValidationError);
    assert.ok(error instanceof ValidationError);
    assert.equal(
      error.message,
      `Deployment/${ns}/Bad_Name apply failed: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
    assert.deepEqual(
      error.causes.map((c) => c.field),
      ['metadata.name'],
    );
  });

  test('a namespaced kind without a namespace and an unserved kind fail before any request, naming the object', async () => {
    const sent = client.stats().requests.apply ?? 0;
    await assert.rejects(client.apply({ ...deployment('x', 'web'), metadata: { name: 'web' } }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.message, 'Deployment/web apply failed: Deployment is a namespaced kind, but the object has no metadata.namespace');
      return true;
    });
    await assert.rejects(client.apply({ apiVersion: 'example.com/v9', kind: 'Gizmo', metadata: { name: 'g', namespace: 'x' } }), (error: unknown) => {
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.message, 'Gizmo/x/g apply failed: the cluster does not serve Gizmo in example.com/v9 (is its CRD installed?)');
      return true;
    });
    assert.equal(client.stats().requests.apply ?? 0, sent);
    await assert.rejects(client.apply(configMap('no-such-namespace', 'c')), (error: unknown) => {
      assert.ok(error instanceof NotFoundError);
      assert.equal(error.message, 'ConfigMap/no-such-namespace/c apply failed: namespaces "no-such-namespace" not found');
      return true;
    });
  });

  test('get returns the live object or undefined; list filters by label and follows every page', async () => {
    const ns = await namespace('listing');
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.apply(configMap(ns, `cm-${String(i).padStart(2, '0')}`, { i: String(i) }, { parity: i % 2 ? 'odd' : 'even' }))));
    const live = await client.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'cm-03' });
    assert.equal(live?.apiVersion, 'v1');
    assert.equal(live?.kind, 'ConfigMap');
    assert.deepEqual(live?.data, { i: '3' });
    assert.equal(await client.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'absent' }), undefined);

    const odd = await client.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'parity=odd' });
    assert.deepEqual(odd.items.map((i) => i.metadata.name), ['cm-01', 'cm-03', 'cm-05', 'cm-07', 'cm-09', 'cm-11']);
    assert.ok(odd.items.every((i) => i.kind === 'ConfigMap' && i.apiVersion === 'v1'));
    assert.match(odd.resourceVersion, /^\d+$/);

    const lists = client.stats().requests.list ?? 0;
    const paged = await client.list('v1', 'ConfigMap', { namespace: ns, labelSelector: 'parity', limit: 5 });
    assert.equal((client.stats().requests.list ?? 0) - lists, 3, '12 items in pages of 5');
    assert.deepEqual(paged.items.map((i) => i.metadata.name), Array.from({ length: 12 }, (_, i) => `cm-${String(i).padStart(2, '0')}`));

    // the client-wide page size, across namespaces
    const small = await createKubeClient({ kubeconfig: sandbox.kubeconfig, pageSize: 4 });
    try {
      const all = await small.list('v1', 'ConfigMap', { labelSelector: 'parity=even' });
      assert.equal(all.items.filter((i) => i.metadata.namespace === ns).length, 6);
      assert.equal(small.stats().requests.list, 2);
    } finally {
      small.close();
    }
  });

  test('delete returns true, then false once the object is gone', async () => {
    const ns = await namespace('deleting');
    await client.apply(configMap(ns, 'doomed'));
    const key = { group: '', kind: 'ConfigMap', namespace: ns, name: 'doomed' };
    assert.equal(await client.delete('v1', key, { dryRun: true }), true);
    assert.ok(await client.get('v1', key), 'a dry-run delete keeps the object');
    assert.equal(await client.delete('v1', key), true);
    assert.equal(await client.get('v1', key), undefined);
    assert.equal(await client.delete('v1', key, { propagationPolicy: 'Foreground' }), false);
  });

  test('create makes an object once (AlreadyExistsError after), and an apply with a stale resourceVersion is a ModifiedError', async () => {
    const ns = await namespace('creating');
    const created = await client.create(configMap(ns, 'once'));
    assert.equal(created.metadata.name, 'once');
    await assert.rejects(client.create(configMap(ns, 'once')), (error: unknown) => {
      assert.ok(error instanceof AlreadyExistsError, String(error));
      assert.equal(error.message, `ConfigMap/${ns}/once create failed: configmaps "once" already exists`);
      return true;
    });
    const guarded = (k: string, resourceVersion: string) => client.apply({ ...configMap(ns, 'once', { k }), metadata: { name: 'once', namespace: ns, resourceVersion } }, { force: true });
    const changed = await guarded('w', created.metadata.resourceVersion as string);
    await assert.rejects(guarded('x', created.metadata.resourceVersion as string), (error: unknown) => {
      assert.ok(error instanceof ModifiedError, String(error));
      assert.match(error.message, /^ConfigMap\/creating\/once apply failed: Operation cannot be fulfilled on configmaps "once": the object has been modified/);
      return true;
    });
    assert.equal((changed.data as Record<string, string>).k, 'w');
    const key = { group: '', kind: 'ConfigMap', namespace: ns, name: 'once' };
    await assert.rejects(client.delete('v1', key, { resourceVersion: created.metadata.resourceVersion as string }), ModifiedError);
    assert.equal(await client.delete('v1', key, { resourceVersion: changed.metadata.resourceVersion as string }), true);
  });

  test('a hundred open watches do not take the sockets ordinary requests need', async () => {
    const handles = await Promise.all(Array.from({ length: 100 }, (_, i) => client.watch('v1', 'ConfigMap', { namespace: `many-watches-${i}` }, () => undefined)));
    try {
      // starved of sockets, a get would wait for one until its deadline and be retried: every get is answered on its first attempt
      const retries = client.stats().retries;
      const answers = await Promise.all(Array.from({ length: 20 }, () => client.get('v1', { group: '', kind: 'Namespace', namespace: '', name: 'default' })));
      assert.ok(answers.every((a) => a?.metadata.name === 'default'));
      assert.equal(client.stats().retries, retries, 'requests were not starved by the watches');
    } finally {
      for (const handle of handles) handle.stop();
    }
  });

  test('watch sees ADDED, MODIFIED and DELETED; stop() ends it and done resolves', async () => {
    const ns = await namespace('watching');
    const start = await client.list('v1', 'ConfigMap', { namespace: ns });
    const events: WatchEvent[] = [];
    const handle = await client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion: start.resourceVersion }, (event) => events.push(event));
    await client.apply(configMap(ns, 'w', { a: '1' }));
    await client.apply(configMap(ns, 'w', { a: '2' }));
    await client.delete('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'w' });
    await until(() => (events.filter((e) => e.type !== 'BOOKMARK').length >= 3 ? true : undefined), 'three events');
    assert.deepEqual(
      events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object.kind}/${e.object.metadata.name} ${JSON.stringify(e.object.data)}`),
      ['ADDED ConfigMap/w {"a":"1"}', 'MODIFIED ConfigMap/w {"a":"2"}', 'DELETED ConfigMap/w {"a":"2"}'],
    );
    assert.equal(handle.lastResourceVersion, events.at(-1)?.object.metadata.resourceVersion);
    handle.stop();
    await handle.done;
    const seen = events.length;
    await client.apply(configMap(ns, 'after-stop'));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(events.length, seen, 'no events after stop()');
  });

  test('a watch the server ends (timeoutSeconds) resolves done, with the last resourceVersion to resume from', async () => {
    const ns = await namespace('watch-timeout');
    const start = await client.list('v1', 'ConfigMap', { namespace: ns });
    const types: string[] = [];
    const handle = await client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion: start.resourceVersion, timeoutSeconds: 1 }, (event) => types.push(event.type));
    const created = await client.apply(configMap(ns, 'one'));
    // the server ends it after 1 s; a client that missed the end would keep waiting (a watch has no deadline once its headers came)
    let hung: NodeJS.Timeout | undefined;
    await Promise.race([handle.done, new Promise((_, reject) => (hung = setTimeout(() => reject(new Error('done did not resolve within 30 s of a 1 s watch')), 30_000)))]);
    clearTimeout(hung);
    assert.deepEqual(types.filter((t) => t !== 'BOOKMARK'), ['ADDED']);
    assert.equal(handle.lastResourceVersion, created.metadata.resourceVersion);
  });

  test('a watch from a resourceVersion that is too old ends with ExpiredError (410), for the caller to relist', async () => {
    const ns = await namespace('expired');
    const start = await client.list('v1', 'ConfigMap', { namespace: ns });
    // push the version out of the sandbox's 20-event history (it trims once it holds twice that)
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.apply(configMap(ns, `filler-${i}`))));
    const handle = await client.watch('v1', 'ConfigMap', { namespace: ns, resourceVersion: start.resourceVersion }, () => undefined);
    await assert.rejects(handle.done, (error: unknown) => {
      assert.ok(error instanceof ExpiredError);
      assert.ok(error instanceof TransientError);
      assert.match(error.message, /^ConfigMap in namespace expired watch failed: too old resource version: \d+ \(\d+\) \(relist and start again\)$/);
      return true;
    });
  });

  test('container and Service ports without protocol are sent with TCP, so old servers accept them', async () => {
    const ns = await namespace('ports');
    const web = deployment(ns, 'web');
    const spec = (web.spec as { template: { spec: { containers: { ports?: unknown[] }[]; initContainers?: unknown[] } } }).template.spec;
    spec.containers[0].ports = [{ containerPort: 8080, name: 'http' }];
    spec.initContainers = [{ name: 'init', image: 'busybox', ports: [{ containerPort: 9000 }] }];
    const sent = JSON.stringify(web);
    const applied = await client.apply(web);
    assert.equal(JSON.stringify(web), sent, "the caller's object is not changed");
    const live = applied.spec as { template: { spec: { containers: { ports: { protocol: string }[] }[]; initContainers: { ports: { protocol: string }[] }[] } } };
    assert.equal(live.template.spec.containers[0].ports[0].protocol, 'TCP');
    assert.equal(live.template.spec.initContainers[0].ports[0].protocol, 'TCP');
    // the protocol is in capstan's applied configuration: the client sent it, the server did not just default it
    const fields = JSON.stringify((applied.metadata.managedFields as { manager: string; fieldsV1: unknown }[]).find((m) => m.manager === 'capstan')?.fieldsV1);
    assert.ok(fields.includes('"k:{\\"containerPort\\":8080,\\"protocol\\":\\"TCP\\"}":{".":{},"f:containerPort":{},"f:name":{},"f:protocol":{}}'), fields);

    const service = await client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    assert.equal((service.spec as { ports: { protocol: string }[] }).ports[0].protocol, 'TCP');
    const serviceFields = JSON.stringify((service.metadata.managedFields as { manager: string; fieldsV1: unknown }[]).find((m) => m.manager === 'capstan')?.fieldsV1);
    assert.ok(serviceFields.includes('f:protocol'), serviceFields);
    // and re-applying the same manifests changes nothing (the deployment controller writes status, so compare its generation)
    const again = await client.apply(web);
    assert.equal(again.metadata.generation, applied.metadata.generation);
    const serviceAgain = await client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    assert.equal(serviceAgain.metadata.resourceVersion, service.metadata.resourceVersion);
  });

  test('with 30% of requests failing (500, 429, timeout, reset), 50 applies and 50 gets all succeed', async () => {
    const ns = await namespace('faults');
    // The client keeps its default deadline: a short one would also cut off answered requests that a loaded machine is slow
    // to serve, and retry them too. The server holds a `timeout` fault for 300 ms and then drops the connection unanswered;
    // the client's own deadline is the next test's, against a server that never answers.
    const flaky = await createKubeClient({ kubeconfig: sandbox.kubeconfig, retry: { maxRetries: 12, initialDelayMs: 10, maxDelayMs: 200 } });
    try {
      await flaky.resources(); // discovery is not faulted by the sandbox; warm it so every request below is a resource request
      sandbox.setFaults({ rate: 0.3, kinds: ['error500', 'error429', 'timeout', 'reset'], timeoutMs: 300, seed: 42 });
      const applied = await Promise.all(Array.from({ length: 50 }, (_, i) => flaky.apply(configMap(ns, `cm-${i}`, { i: String(i) }))));
      const fetched = await Promise.all(Array.from({ length: 50 }, (_, i) => flaky.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: `cm-${i}` })));
      sandbox.setFaults({ rate: 0 });
      assert.deepEqual(applied.map((o) => o.data), Array.from({ length: 50 }, (_, i) => ({ i: String(i) })));
      assert.deepEqual(fetched.map((o) => o?.data), Array.from({ length: 50 }, (_, i) => ({ i: String(i) })));
      const stats = flaky.stats();
      assert.ok(stats.retries >= 10, `expected retries at a 30% fault rate, got ${stats.retries}`);
      assert.equal((stats.requests.apply ?? 0) + (stats.requests.get ?? 0), 100 + stats.retries);
    } finally {
      sandbox.setFaults({ rate: 0 });
      flaky.close();
    }
  });

  test('when the retries run out the error is a TransientError naming the object, the attempts and the cause', async () => {
    const ns = await namespace('exhausted');
    const retry = { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5 };
    // a short deadline only where the server never answers: an answered request, however slow the machine, stays within the default one
    const failing = await createKubeClient({ kubeconfig: sandbox.kubeconfig, retry });
    const impatient = await createKubeClient({ kubeconfig: sandbox.kubeconfig, timeoutMs: 200, retry });
    try {
      await failing.resources();
      // discovery is answered, but within 200 ms only on an idle machine: look the kind up until it is known
      await until(() => impatient.resourceFor('v1', 'ConfigMap').catch(() => undefined), 'ConfigMap discovery within 200 ms');
      sandbox.setFaults({ rate: 1, kinds: ['error500'] });
      await assert.rejects(failing.apply(configMap(ns, 'never')), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.equal(error.message, `ConfigMap/${ns}/never apply failed after 3 attempts: 500 InternalError: Internal error occurred: injected fault`);
        return true;
      });
      assert.equal(failing.stats().requests.apply, 3);
      sandbox.setFaults({ rate: 1, kinds: ['timeout'], timeoutMs: 60_000 });
      await assert.rejects(impatient.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'never' }), (error: unknown) => {
        assert.ok(error instanceof TransientError);
        assert.match(error.message, new RegExp(`^ConfigMap/${ns}/never get failed after 3 attempts: ETIMEDOUT GET /api/v1/namespaces/${ns}/configmaps/never timed out after 200 ms$`));
        assert.ok(error.cause instanceof Error);
        return true;
      });
    } finally {
      sandbox.setFaults({ rate: 0 });
      failing.close();
      impatient.close();
    }
  });

  test('credentials the server rejects give an UnauthorizedError naming the context', async () => {
    const wrong = await createKubeClient({ kubeconfig: sandbox.kubeconfig.replace('token: kube-client-token', 'token: wrong') });
    try {
      await assert.rejects(wrong.serverVersion(), (error: unknown) => {
        assert.ok(error instanceof UnauthorizedError);
        assert.equal(error.message, `server version failed: unauthorized: ${sandbox.url} rejected the credentials of context "capstan-sandbox" (expired token or wrong certificate?): Unauthorized`);
        return true;
      });
      await assert.rejects(wrong.get('v1', { group: '', kind: 'ConfigMap', namespace: 'a', name: 'b' }), (error: unknown) => {
        assert.ok(error instanceof UnauthorizedError);
        assert.match(error.message, /^ConfigMap\/a\/b get failed: \/api(s)? discovery failed: unauthorized: /);
        return true;
      });
    } finally {
      wrong.close();
    }
  });

  test('kubeconfig from a file and from text; a missing context lists the available ones', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'capstan-kube-'));
    const file = path.join(dir, 'config');
    writeFileSync(file, sandbox.kubeconfig);
    const fromFile = await createKubeClient({ kubeconfigPath: file, context: 'capstan-sandbox' });
    try {
      assert.equal(fromFile.context, 'capstan-sandbox');
      assert.equal(fromFile.server, sandbox.url);
      assert.equal((await fromFile.serverVersion()).minor, 32);
    } finally {
      fromFile.close();
    }
    await assert.rejects(createKubeClient({ kubeconfigPath: file, context: 'prod' }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.message, `kubeconfig ${file} has no context "prod": available contexts: "capstan-sandbox"`);
      return true;
    });
    await assert.rejects(createKubeClient({ kubeconfig: sandbox.kubeconfig, context: 'staging' }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.equal(error.message, 'kubeconfig given as text has no context "staging": available contexts: "capstan-sandbox"');
      return true;
    });
    await assert.rejects(createKubeClient({ kubeconfigPath: path.join(dir, 'absent') }), (error: unknown) => {
      assert.ok(error instanceof ValidationError);
      assert.match(error.message, new RegExp(`^kubeconfig ${path.join(dir, 'absent')} cannot be read: ENOENT`));
      return true;
    });
  });
});
