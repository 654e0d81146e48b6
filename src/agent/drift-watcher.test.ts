import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { keyOf, labels, type Manifest } from '../core/index.ts';
import {
  createKubeClient,
  ExpiredError,
  type HttpKubeClient,
  type KubeClient,
  type ListOptions,
  type ListResult,
  type WatchEvent,
  type WatchHandle,
  type WatchOptions,
} from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { assessChange, DriftWatcher } from './drift-watcher.ts';
import type { AgentLogger } from './logger.ts';
import type { AppRef } from './types.ts';

// ---------------------------------------------------------------------------
// helpers

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value; `timeoutMs` only bounds a test that fails, so it is generous for a loaded machine. */
async function until<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Delegates to a real client; records lists and watches, and can end or hold back watches. */
class RecordingClient implements KubeClient {
  readonly lists: { kind: string; namespace?: string; labelSelector?: string }[] = [];
  readonly watches: { kind: string; namespace?: string; labelSelector?: string; resourceVersion?: string }[] = [];
  /** How every watch ended: undefined for a clean end, the error otherwise. */
  readonly endings: { kind: string; namespace?: string; error: unknown }[] = [];
  private readonly open = new Set<{ kind: string; namespace?: string; handle: WatchHandle }>();
  /** While set, new watches wait for it before they are opened. */
  gate: Promise<void> | undefined;
  /** While set, watch events are kept here instead of delivered (see holdEvents). */
  private held: { event: WatchEvent; deliver: () => void }[] | undefined;

  constructor(private readonly inner: KubeClient) {}

  serverVersion: KubeClient['serverVersion'] = () => this.inner.serverVersion();
  resourceFor: KubeClient['resourceFor'] = (apiVersion, kind) => this.inner.resourceFor(apiVersion, kind);
  resources: KubeClient['resources'] = () => this.inner.resources();
  invalidateDiscovery: KubeClient['invalidateDiscovery'] = () => this.inner.invalidateDiscovery();
  apply: KubeClient['apply'] = (manifest, options) => this.inner.apply(manifest, options);
  replace: KubeClient['replace'] = (manifest, options) => this.inner.replace(manifest, options);
  create: KubeClient['create'] = (manifest, options) => this.inner.create(manifest, options);
  get: KubeClient['get'] = (apiVersion, key) => this.inner.get(apiVersion, key);
  delete: KubeClient['delete'] = (apiVersion, key, options) => this.inner.delete(apiVersion, key, options);
  close: KubeClient['close'] = () => this.inner.close();
  onApplied: NonNullable<KubeClient['onApplied']> = (listener) => this.inner.onApplied?.(listener) ?? (() => undefined);

  list(apiVersion: string, kind: string, options?: ListOptions): Promise<ListResult> {
    this.lists.push({ kind, namespace: options?.namespace, labelSelector: options?.labelSelector });
    return this.inner.list(apiVersion, kind, options);
  }

  async watch(apiVersion: string, kind: string, options: WatchOptions, onEvent: (event: WatchEvent) => void): Promise<WatchHandle> {
    this.watches.push({ kind, namespace: options.namespace, labelSelector: options.labelSelector, resourceVersion: options.resourceVersion });
    if (this.gate) await this.gate;
    const handle = await this.inner.watch(apiVersion, kind, options, (event) => (this.held ? this.held.push({ event, deliver: () => onEvent(event) }) : onEvent(event)));
    const entry = { kind, namespace: options.namespace, handle };
    this.open.add(entry);
    handle.done.then(
      () => this.endings.push({ kind, namespace: options.namespace, error: undefined }),
      (error: unknown) => this.endings.push({ kind, namespace: options.namespace, error }),
    ).finally(() => this.open.delete(entry));
    return handle;
  }

  openWatches(kind: string, namespace: string): number {
    return [...this.open].filter((w) => w.kind === kind && w.namespace === namespace).length;
  }

  totalOpen(): number {
    return this.open.size;
  }

  watchesOf(kind: string, namespace: string): RecordingClient['watches'] {
    return this.watches.filter((w) => w.kind === kind && w.namespace === namespace);
  }

  /**
   * Keeps watch events back until releaseEvents() delivers them all at once, so that a burst of
   * changes reaches the watcher within one debounce window however slowly the machine makes them.
   */
  holdEvents(): void {
    this.held ??= [];
  }

  /** How many changes (events other than bookmarks) are held. */
  heldChanges(): number {
    return (this.held ?? []).filter((h) => h.event.type !== 'BOOKMARK').length;
  }

  releaseEvents(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { deliver } of held) deliver();
  }

  /** Ends the open watches of a scope, as a server closing the connection would. */
  endWatches(kind: string, namespace: string): void {
    for (const w of this.open) if (w.kind === kind && w.namespace === namespace) w.handle.stop();
  }
}

/** A logger that keeps the messages of its warnings. */
function recordingLogger(warnings: string[]): AgentLogger {
  const logger: AgentLogger = {
    info() {},
    warn: (_bindings, message) => warnings.push(message ?? ''),
    error: (_bindings, message) => warnings.push(`error: ${message ?? ''}`),
    child: () => logger,
  };
  return logger;
}

interface DriftCall {
  ref: AppRef;
  objects: string[];
  at: number;
}

function configMap(namespace: string, name: string, data: Record<string, string>): Manifest {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

function deployment(namespace: string, name: string, replicas: number): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    },
  };
}

/** The object as capstan applies it: its labels, field manager `capstan`. */
function asCapstan(manifest: Manifest, ref: AppRef): Manifest {
  return { ...manifest, metadata: { ...manifest.metadata, labels: { ...manifest.metadata.labels, [labels.app]: ref.app, [labels.env]: ref.env } } };
}

function tracked(...manifests: Manifest[]): { apiVersion: string; key: ReturnType<typeof keyOf> }[] {
  return manifests.map((m) => ({ apiVersion: m.apiVersion, key: keyOf(m) }));
}

// ---------------------------------------------------------------------------
// against a sandbox

describe('DriftWatcher against the sandbox', () => {
  let sandbox: Sandbox;
  let http: HttpKubeClient;
  const watchers: DriftWatcher[] = [];

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'drift-watcher-token', podReadyDelayMs: 50 });
    http = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  });
  after(async () => {
    await Promise.all(watchers.map((w) => w.stop()));
    http.close();
    await sandbox.stop();
  });

  async function namespace(name: string): Promise<string> {
    await http.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    return name;
  }

  function start(options: { debounceMs?: number; logger?: AgentLogger; maxBackoffMs?: number } = {}): {
    watcher: DriftWatcher;
    client: RecordingClient;
    calls: DriftCall[];
  } {
    const client = new RecordingClient(http);
    const calls: DriftCall[] = [];
    const watcher = new DriftWatcher({
      client,
      debounceMs: options.debounceMs ?? 150,
      logger: options.logger,
      maxBackoffMs: options.maxBackoffMs,
      onDrift: (ref, objects) => calls.push({ ref, objects, at: Date.now() }),
    });
    watchers.push(watcher);
    return { watcher, client, calls };
  }

  const capstanApply = (manifest: Manifest, ref: AppRef): Promise<Manifest> => http.apply(asCapstan(manifest, ref), { fieldManager: 'capstan' });
  /** What `kubectl edit` / `kubectl scale` amount to: another field manager taking fields over. */
  const userEdit = (manifest: Manifest): Promise<Manifest> => http.apply(manifest, { fieldManager: 'kubectl-edit', force: true });

  test('a change by another field manager is drift, reported with the object named', async () => {
    const ns = await namespace('drift-edit');
    const ref = { app: 'web', env: 'dev' };
    const cm = configMap(ns, 'web-config', { mode: 'blue' });
    await capstanApply(cm, ref);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(cm));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');

    await userEdit(configMap(ns, 'web-config', { mode: 'green' }));
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.ref, ref);
    assert.deepEqual(call.objects, [`ConfigMap/${ns}/web-config`]);
    assert.deepEqual(client.lists.at(-1), { kind: 'ConfigMap', namespace: ns, labelSelector: 'capstan.dev/app' });
    await watcher.stop();
  });

  test('kubectl scale (another manager changing spec.replicas of a Deployment) is drift', async () => {
    const ns = await namespace('drift-scale');
    const ref = { app: 'shop', env: 'prod' };
    const web = deployment(ns, 'web', 1);
    await capstanApply(web, ref);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(web));
    await until(() => (client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watch to open');

    await userEdit({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 3 } });
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call, { ref, objects: [`Deployment/${ns}/web`], at: call.at });
    await watcher.stop();
  });

  test('an object capstan only sets the image of (patch-existing, never labelled) is watched unfiltered: kubectl set image is drift', async () => {
    const ns = await namespace('drift-patch');
    const ref = { app: 'services', env: 'dev' };
    const web = deployment(ns, 'web', 2);
    await http.apply(web, { fieldManager: 'kubectl-client-side-apply' });
    const image = (tag: string): Manifest => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { template: { spec: { containers: [{ name: 'web', image: `nginx:${tag}` }] } } } });
    await http.apply(image('1.28'), { fieldManager: 'capstan', force: true });
    const { watcher, client, calls } = start();
    watcher.track(ref, [{ ...tracked(web)[0]!, patchExisting: true }]);
    await until(() => (client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watch to open');
    assert.deepEqual(client.lists.at(-1), { kind: 'Deployment', namespace: ns, labelSelector: undefined });

    await http.apply(image('1.29'), { fieldManager: 'kubectl-set', force: true });
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call, { ref, objects: [`Deployment/${ns}/web`], at: call.at });
    await watcher.stop();
  });

  test('a scale that leaves managedFields untouched (API servers before 1.22) is reported for a check by value', async () => {
    const ns = await namespace('drift-untracked');
    const ref = { app: 'web', env: 'dev' };
    const web = deployment(ns, 'web', 2);
    await capstanApply(web, ref);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(web));
    await until(() => (client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watch to open');

    await sandbox.writeUntracked('apps/v1', 'Deployment', ns, 'web', (object) => {
      (object.spec as { replicas: number }).replicas = 5;
    });
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.objects, [`Deployment/${ns}/web`]);
    await watcher.stop();
  });

  test('a deletion is drift', async () => {
    const ns = await namespace('drift-delete');
    const ref = { app: 'web', env: 'dev' };
    const cm = configMap(ns, 'settings', { a: '1' });
    const other = configMap(ns, 'kept', { a: '1' });
    await capstanApply(cm, ref);
    await capstanApply(other, ref);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(cm, other));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');

    assert.equal(await http.delete('v1', keyOf(cm)), true);
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.objects, [`ConfigMap/${ns}/settings`]);
    await watcher.stop();
  });

  test("capstan's own applies, a change included, are not drift", async () => {
    const ns = await namespace('drift-own');
    const ref = { app: 'web', env: 'dev' };
    const cm = configMap(ns, 'own', { version: '1' });
    const { watcher, client, calls } = start();
    // tracked before it exists: the watch sees the create and every later version
    watcher.track(ref, tracked(cm));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');

    await capstanApply(cm, ref);
    // (a second apply within the same second, whose entry neither moves nor gains a field, records
    // no writer: that one is reported for the agent to compare values; see assessChange below)
    await sleep(1_050);
    // a later second: capstan's entry gets a newer time, and a new field
    await capstanApply(configMap(ns, 'own', { version: '3', extra: 'x' }), ref);
    await sleep(1_050);
    // capstan dropping a key it applied (the server removes it)
    await capstanApply(configMap(ns, 'own', { version: '3' }), ref);
    await sleep(500);
    assert.equal(calls.length, 0, JSON.stringify(calls));
    const live = await http.get('v1', keyOf(cm));
    assert.deepEqual(live?.data, { version: '3' });

    // the watch was listening all along: someone else's change right after is reported
    await userEdit(configMap(ns, 'own', { version: 'hotfix' }));
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.objects, [`ConfigMap/${ns}/own`]);
    assert.equal(client.watchesOf('ConfigMap', ns).length, 1);
    await watcher.stop();
  });

  test("capstan's applies through the watcher's own client are not drift, even two within one second that managedFields cannot tell apart", async () => {
    const ns = await namespace('drift-same-second');
    const ref = { app: 'web', env: 'dev' };
    const other = { app: 'other', env: 'dev' };
    const fast = (version: string): Manifest => configMap(ns, 'fast', { version });
    const marker = configMap(ns, 'marker', { version: '1' });
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(fast('0')));
    watcher.track(other, tracked(marker));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');
    await client.apply(asCapstan(marker, other), { fieldManager: 'capstan' });
    await client.apply(asCapstan(fast('0'), ref), { fieldManager: 'capstan' });
    const timeOf = (object: Manifest): unknown => (object.metadata.managedFields as { manager: string; time?: string }[]).find((m) => m.manager === 'capstan')?.time;
    // two changes whose answers carry the same time and the same fields: only their versions say they are capstan's
    let n = 0;
    await until(async () => {
      const first = await client.apply(asCapstan(fast(`a${n}`), ref), { fieldManager: 'capstan' });
      const second = await client.apply(asCapstan(fast(`b${n}`), ref), { fieldManager: 'capstan' });
      n++;
      return timeOf(first) === timeOf(second) ? true : undefined;
    }, 'two applies within one second');
    // the same watch then carries another app's drift: by the time it is reported, the applies above were judged
    await userEdit(configMap(ns, 'marker', { version: 'hotfix' }));
    await until(() => calls.find((c) => c.ref.app === 'other'), "the other app's drift");
    assert.deepEqual(calls.filter((c) => c.ref.app === 'web'), []);
    await watcher.stop();
  });

  test('a Deployment whose controllers write status and the revision annotation is not drift', async () => {
    const ns = await namespace('drift-rollout');
    const ref = { app: 'shop', env: 'dev' };
    const web = deployment(ns, 'web', 2);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(web));
    await until(() => (client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watch to open');

    await capstanApply(web, ref);
    const ready = await until(async () => {
      const live = await http.get('apps/v1', keyOf(web));
      const status = (live?.status ?? {}) as { readyReplicas?: number; availableReplicas?: number };
      return status.readyReplicas === 2 && status.availableReplicas === 2 ? live : undefined;
    }, 'the rollout to finish');
    // the controllers did write the Deployment: status through the subresource, the revision on the object
    const managers = (ready?.metadata.managedFields as { manager: string; subresource?: string }[]).map((m) => `${m.manager}${m.subresource ? `/${m.subresource}` : ''}`);
    assert.ok(managers.includes('deployment-controller/status'), managers.join(', '));
    assert.equal(ready?.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    await sleep(500);
    assert.equal(calls.length, 0, JSON.stringify(calls));

    await userEdit({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: ns }, spec: { replicas: 1 } });
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.objects, [`Deployment/${ns}/web`]);
    // the scale-down writes status again: still one report
    await sleep(800);
    assert.equal(calls.length, 1);
    assert.equal(client.watchesOf('Deployment', ns).length, 1);
    await watcher.stop();
  });

  test('two apps in one namespace share one watch and each hears only of its own objects', async () => {
    const ns = await namespace('drift-shared');
    const shop = { app: 'shop', env: 'dev' };
    const blog = { app: 'blog', env: 'dev' };
    const shopConfig = configMap(ns, 'shop-config', { a: '1' });
    const shopWeb = deployment(ns, 'shop-web', 1);
    const blogConfig = configMap(ns, 'blog-config', { a: '1' });
    await capstanApply(shopConfig, shop);
    await capstanApply(shopWeb, shop);
    await capstanApply(blogConfig, blog);
    const { watcher, client, calls } = start();
    const httpWatchesBefore = http.stats().requests.watch ?? 0;
    watcher.track(shop, tracked(shopConfig, shopWeb));
    watcher.track(blog, tracked(blogConfig));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 && client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watches to open');
    assert.equal(client.watchesOf('ConfigMap', ns).length, 1);
    assert.equal(client.watchesOf('Deployment', ns).length, 1);
    assert.equal((http.stats().requests.watch ?? 0) - httpWatchesBefore, 2);
    assert.ok(client.watches.every((w) => w.labelSelector === 'capstan.dev/app'));

    await userEdit(configMap(ns, 'blog-config', { a: '2' }));
    const first = await until(() => calls[0], 'drift of blog');
    assert.deepEqual(first.ref, blog);
    assert.deepEqual(first.objects, [`ConfigMap/${ns}/blog-config`]);

    await userEdit(configMap(ns, 'shop-config', { a: '2' }));
    const second = await until(() => calls[1], 'drift of shop');
    assert.deepEqual(second.ref, shop);
    assert.deepEqual(second.objects, [`ConfigMap/${ns}/shop-config`]);
    await sleep(300);
    assert.equal(calls.length, 2);
    await watcher.stop();
  });

  test('re-tracking replaces the set; untracking stops the watch; stop() ends every watch', async () => {
    const ns = await namespace('drift-untrack');
    const ref = { app: 'web', env: 'dev' };
    const a = configMap(ns, 'a', { v: '1' });
    const b = configMap(ns, 'b', { v: '1' });
    const web = deployment(ns, 'web', 1);
    await capstanApply(a, ref);
    await capstanApply(b, ref);
    await capstanApply(web, ref);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(a, b, web));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 && client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watches to open');

    // the Deployment left the app: its watch stops; the ConfigMap watch stays as it is
    watcher.track(ref, tracked(b));
    await until(() => (client.openWatches('Deployment', ns) === 0 ? true : undefined), 'the Deployment watch to stop');
    assert.equal(client.openWatches('ConfigMap', ns), 1);
    assert.equal(client.watchesOf('ConfigMap', ns).length, 1);

    await userEdit(configMap(ns, 'a', { v: 'edited' }));
    await userEdit(configMap(ns, 'b', { v: 'edited' }));
    const call = await until(() => calls[0], 'drift of b');
    assert.deepEqual(call.objects, [`ConfigMap/${ns}/b`]);

    watcher.track(ref, []);
    await until(() => (client.openWatches('ConfigMap', ns) === 0 ? true : undefined), 'the ConfigMap watch to stop');
    await userEdit(configMap(ns, 'b', { v: 'edited again' }));
    await sleep(400);
    assert.equal(calls.length, 1);

    watcher.track(ref, tracked(a, web));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 && client.openWatches('Deployment', ns) === 1 ? true : undefined), 'the watches to reopen');
    await watcher.stop();
    assert.equal(client.totalOpen(), 0);
    // after stop() tracking does nothing
    watcher.track(ref, tracked(a));
    await sleep(100);
    assert.equal(client.totalOpen(), 0);
  });

  test('a burst of changes becomes one call listing every object, sorted', async () => {
    const ns = await namespace('drift-burst');
    const ref = { app: 'web', env: 'dev' };
    const names = ['e', 'c', 'a', 'd', 'b'];
    const maps = names.map((name) => configMap(ns, name, { v: '1' }));
    for (const m of maps) await capstanApply(m, ref);
    const { watcher, client, calls } = start({ debounceMs: 300 });
    watcher.track(ref, tracked(...maps));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');

    client.holdEvents();
    await Promise.all(names.map((name) => userEdit(configMap(ns, name, { v: '2' }))));
    await userEdit(configMap(ns, 'a', { v: '3' })); // the same object twice: named once
    await until(() => (client.heldChanges() === 6 ? true : undefined), 'the six changes to reach the watch');
    client.releaseEvents();
    await until(() => calls[0], 'drift to be reported');
    await sleep(700);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0].objects, ['a', 'b', 'c', 'd', 'e'].map((n) => `ConfigMap/${ns}/${n}`));
    await watcher.stop();
  });

  test('a watch that cannot be opened is retried with a capped backoff and never crashes; other watches go on', async () => {
    const ns = await namespace('drift-unserved');
    const ref = { app: 'web', env: 'dev' };
    const cm = configMap(ns, 'config', { v: '1' });
    await capstanApply(cm, ref);
    const warnings: string[] = [];
    const logger = recordingLogger(warnings);
    const { watcher, client, calls } = start({ logger, maxBackoffMs: 100 });
    watcher.track(ref, [...tracked(cm), { apiVersion: 'widgets.example.com/v1', key: { group: 'widgets.example.com', kind: 'Widget', namespace: ns, name: 'w' } }]);
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the ConfigMap watch to open');
    await until(() => (warnings.length >= 3 ? true : undefined), 'repeated warnings');
    assert.match(warnings[0], new RegExp(`^watch of Widget in namespace ${ns} failed, relisting: `));
    assert.ok(warnings.every((w) => w.includes('Widget')));

    await userEdit(configMap(ns, 'config', { v: '2' }));
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.objects, [`ConfigMap/${ns}/config`]);
    await watcher.stop();
    const after = warnings.length;
    await sleep(300);
    assert.equal(warnings.length, after, 'no retries after stop()');
  });

  test('an onDrift that throws is logged and the watcher goes on', async () => {
    const ns = await namespace('drift-throwing');
    const ref = { app: 'web', env: 'dev' };
    const cm = configMap(ns, 'config', { v: '1' });
    await capstanApply(cm, ref);
    const warnings: string[] = [];
    const client = new RecordingClient(http);
    let calls = 0;
    const watcher = new DriftWatcher({
      client,
      debounceMs: 100,
      logger: recordingLogger(warnings),
      onDrift: () => {
        calls++;
        throw new Error('handler exploded');
      },
    });
    watchers.push(watcher);
    watcher.track(ref, tracked(cm));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');
    await userEdit(configMap(ns, 'config', { v: '2' }));
    await until(() => (calls === 1 ? true : undefined), 'the first report');
    await userEdit(configMap(ns, 'config', { v: '3' }));
    await until(() => (calls === 2 ? true : undefined), 'the second report');
    assert.deepEqual(warnings, ['drift handler failed for web/dev: handler exploded', 'drift handler failed for web/dev: handler exploded']);
    await watcher.stop();
  });

  test('a watch the server closed is resumed from where it ended', async () => {
    const ns = await namespace('drift-resume');
    const ref = { app: 'web', env: 'dev' };
    const cm = configMap(ns, 'config', { v: '1' });
    await capstanApply(cm, ref);
    const { watcher, client, calls } = start();
    watcher.track(ref, tracked(cm));
    await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');
    const listsBefore = client.lists.length;

    client.endWatches('ConfigMap', ns);
    await until(() => (client.watchesOf('ConfigMap', ns).length === 2 && client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to be reopened');
    const [first, second] = client.watchesOf('ConfigMap', ns);
    assert.ok(second.resourceVersion, 'resumed from a resourceVersion');
    assert.ok(Number(second.resourceVersion) >= Number(first.resourceVersion));
    assert.equal(client.lists.length, listsBefore, 'no relist after a clean end');

    await userEdit(configMap(ns, 'config', { v: '2' }));
    const call = await until(() => calls[0], 'drift to be reported');
    assert.deepEqual(call.objects, [`ConfigMap/${ns}/config`]);
    await watcher.stop();
  });
});

describe('DriftWatcher when a watch expires (410 Gone)', () => {
  let sandbox: Sandbox;
  let http: HttpKubeClient;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'drift-watcher-410', watchHistory: 5, podReadyDelayMs: 50 });
    http = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
  });
  after(async () => {
    http.close();
    await sandbox.stop();
  });

  test('relists, reports what changed or vanished while no watch was open, and keeps reporting', async () => {
    const ns = 'drift-gone';
    await http.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await http.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'noise' } });
    const ref = { app: 'web', env: 'dev' };
    const names = ['changed', 'deleted', 'own', 'quiet'];
    const maps = names.map((name) => configMap(ns, name, { v: '1' }));
    for (const m of maps) await http.apply(asCapstan(m, ref), { fieldManager: 'capstan' });

    const client = new RecordingClient(http);
    const calls: DriftCall[] = [];
    const warnings: string[] = [];
    const watcher = new DriftWatcher({
      client,
      debounceMs: 150,
      logger: recordingLogger(warnings),
      onDrift: (r, objects) => calls.push({ ref: r, objects, at: Date.now() }),
    });
    try {
      watcher.track(ref, tracked(...maps));
      await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to open');
      assert.equal(client.lists.length, 1);

      // the connection drops, and the next watch is held back while the cluster moves on
      let release: () => void = () => undefined;
      client.gate = new Promise<void>((resolve) => (release = resolve));
      client.endWatches('ConfigMap', ns);
      await until(() => (client.watchesOf('ConfigMap', ns).length === 2 ? true : undefined), 'the watcher to try again');
      await http.apply(configMap(ns, 'changed', { v: 'edited' }), { fieldManager: 'kubectl-edit', force: true });
      await http.delete('v1', keyOf(maps[1]));
      // capstan's own apply, recorded as such (its entry gains a field)
      await http.apply(asCapstan(configMap(ns, 'own', { v: '2', w: '2' }), ref), { fieldManager: 'capstan' });
      for (let i = 0; i < 15; i++) await http.apply(configMap('noise', `n${i}`, { i: String(i) }));
      client.gate = undefined;
      release();

      const call = await until(() => calls[0], 'drift after the relist');
      assert.deepEqual(call.objects, [`ConfigMap/${ns}/changed`, `ConfigMap/${ns}/deleted`]);
      const expired = client.endings.find((e) => e.error !== undefined);
      assert.ok(expired?.error instanceof ExpiredError, `a watch ended with 410 Gone: ${String(expired?.error)}`);
      assert.equal(client.lists.length, 2, 'relisted once');
      assert.match(warnings.join('\n'), /watch of ConfigMap in namespace drift-gone failed, relisting: .*too old resource version/);
      await until(() => (client.openWatches('ConfigMap', ns) === 1 ? true : undefined), 'the watch to reopen');

      // and it goes on watching from the new list
      await http.apply(configMap(ns, 'quiet', { v: 'edited' }), { fieldManager: 'kubectl-edit', force: true });
      const next = await until(() => calls[1], 'drift after the rewatch');
      assert.deepEqual(next.objects, [`ConfigMap/${ns}/quiet`]);
    } finally {
      await watcher.stop();
    }
    assert.equal(client.totalOpen(), 0);
  });
});

// ---------------------------------------------------------------------------
// the rule, on versions as an API server records them

describe('assessChange', () => {
  const t0 = '2025-01-01T10:00:00Z';
  const t1 = '2025-01-01T10:00:05Z';
  type Entry = { manager: string; operation: string; time: string; fieldsV1: unknown; subresource?: string };
  const entry = (manager: string, time: string, fieldsV1: unknown, extra: Partial<Entry> = {}): Entry => ({
    manager,
    operation: manager === 'capstan' ? 'Apply' : 'Update',
    time,
    fieldsV1,
    ...extra,
  });
  const dataFields = (...keys: string[]): unknown => ({
    'f:metadata': { 'f:labels': { 'f:capstan.dev/app': {}, 'f:capstan.dev/env': {} } },
    'f:data': Object.fromEntries(keys.map((k) => [`f:${k}`, {}])),
  });
  function object(rv: string, data: Record<string, string>, managedFields: Entry[], metadata: Record<string, unknown> = {}, status?: unknown): Manifest {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c', namespace: 'ns', resourceVersion: rv, labels: { 'capstan.dev/app': 'web', 'capstan.dev/env': 'dev' }, managedFields, ...metadata },
      data,
      ...(status ? { status } : {}),
    };
  }
  const capstanOnly = [entry('capstan', t0, dataFields('a'))];

  test('a change no managedFields entry records may be drift, whoever held the field: the agent compares values', () => {
    // the scale subresource before Kubernetes 1.22, some controllers, or capstan's own second apply within one second
    const unrecorded = { drift: true, reason: 'changed with no writer recorded in managedFields', managers: [] };
    assert.deepEqual(assessChange(object('1', { a: '1' }, capstanOnly), object('2', { a: '2' }, capstanOnly)), unrecorded);
    const edited = [entry('capstan', t0, { 'f:metadata': { 'f:labels': { 'f:capstan.dev/app': {}, 'f:capstan.dev/env': {} } } }), entry('kubectl-edit', t0, { 'f:data': { 'f:a': {} } }, { operation: 'Apply' })];
    assert.deepEqual(assessChange(object('1', { a: 'x' }, edited), object('2', { a: 'y' }, edited)), unrecorded);
  });

  test('a change with a newer capstan time is not drift; with a newer time of another manager it is', () => {
    const mine = assessChange(object('1', { a: '1' }, capstanOnly), object('2', { a: '2' }, [entry('capstan', t1, dataFields('a'))]));
    assert.deepEqual(mine, { drift: false, reason: 'changed by capstan', managers: ['capstan'] });
    const theirs = assessChange(
      object('1', { a: '1' }, capstanOnly),
      object('2', { a: '1', b: '2' }, [...capstanOnly, entry('kubectl-edit', t0, { 'f:data': { 'f:b': {} } })]),
    );
    assert.deepEqual(theirs, { drift: true, reason: 'changed by kubectl-edit', managers: ['kubectl-edit'] });
  });

  test('a field capstan applied, removed by another writer that keeps no entry, is drift', () => {
    const previous = object('1', { a: '1', b: '1' }, [entry('capstan', t0, dataFields('a', 'b'))]);
    const next = object('2', { a: '1' }, [entry('capstan', t0, dataFields('a'))]);
    assert.equal(assessChange(previous, next).drift, true);
    assert.equal(assessChange(previous, next).reason, 'changed with no writer recorded in managedFields');
  });

  test('a field capstan dropped within the same second as its previous apply is reported: ambiguous, so the safe side', () => {
    // indistinguishable from a removal-only edit by someone else in that second; a false report costs one no-op reconcile
    const previous = object('1', { a: '1', b: '1' }, [entry('capstan', t0, dataFields('a', 'b'))]);
    const next = object('2', { a: '1' }, [entry('capstan', t0, dataFields('a'))]);
    assert.equal(assessChange(previous, next).drift, true);
    const later = object('2', { a: '1' }, [entry('capstan', t1, dataFields('a'))]);
    assert.deepEqual(assessChange(previous, later), { drift: false, reason: 'changed by capstan', managers: ['capstan'] });
  });

  test('status-subresource writes and reserved-prefix controller annotations are not drift', () => {
    const previous = object('1', { a: '1' }, capstanOnly, {}, { phase: 'A' });
    const status = object('2', { a: '1' }, [...capstanOnly, entry('deployment-controller', t1, { 'f:status': { 'f:phase': {} } }, { subresource: 'status' })], {}, { phase: 'B' });
    assert.equal(assessChange(previous, status).drift, false);
    const annotated = object(
      '3',
      { a: '1' },
      [...capstanOnly, entry('deployment-controller', t1, { 'f:metadata': { 'f:annotations': { '.': {}, 'f:deployment.kubernetes.io/revision': {} } } })],
      { annotations: { 'deployment.kubernetes.io/revision': '2' }, generation: 4 },
    );
    assert.deepEqual(assessChange(previous, annotated), { drift: false, reason: 'only status or server-managed fields changed', managers: [] });
  });

  test('a user annotation or label is drift, and so is a reserved-prefix annotation capstan applied', () => {
    const previous = object('1', { a: '1' }, capstanOnly);
    const labelled = object('2', { a: '1' }, [...capstanOnly, entry('kubectl-edit', t1, { 'f:metadata': { 'f:labels': { 'f:team': {} } } })], {
      labels: { 'capstan.dev/app': 'web', 'capstan.dev/env': 'dev', team: 'x' },
    });
    assert.equal(assessChange(previous, labelled).drift, true);
    const owned = [entry('capstan', t0, { 'f:metadata': { 'f:annotations': { 'f:service.beta.kubernetes.io/aws-load-balancer-type': {} } } })];
    const before = object('1', { a: '1' }, owned, { annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' } });
    const afterEdit = object('2', { a: '1' }, [entry('kubectl-edit', t1, { 'f:metadata': { 'f:annotations': { 'f:service.beta.kubernetes.io/aws-load-balancer-type': {} } } })], {
      annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'clb' },
    });
    assert.deepEqual(assessChange(before, afterEdit), { drift: true, reason: 'changed by kubectl-edit', managers: ['kubectl-edit'] });
  });

  test('an object that started being deleted is drift; a field manager other than capstan can be configured', () => {
    const previous = object('1', { a: '1' }, capstanOnly);
    assert.equal(assessChange(previous, object('2', { a: '1' }, capstanOnly, { deletionTimestamp: t1 })).drift, true);
    const byCi = assessChange(object('1', { a: '1' }, capstanOnly), object('2', { a: '2' }, [entry('capstan', t1, dataFields('a'))]), 'capstan-ci');
    assert.equal(byCi.drift, true);
  });
});
