// Drift is a difference in values between git and the live object, never inferred from who wrote
// it; and what other capstan processes apply (an apply from CI, a rollback from a laptop) is seen
// through the inventories. The agent with the real DriftWatcher and InventoryWatcher, against a
// sandbox over HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { Engine } from '../engine/index.ts';
import { startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createAgent, type Agent, type AgentOptions } from './agent.ts';
import { DriftWatcher } from './drift-watcher.ts';
import { InventoryWatcher } from './inventory-watcher.ts';
import type { AppRef } from './types.ts';

const deployment = (replicas = 3, image = 'nginx:1.27'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: ${replicas}\n  selector: { matchLabels: { app: web } }\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: web, image: ${image} }] }\n`;

function repoFiles(apps: { name: string; extra?: string }[]): Record<string, string> {
  const lines = ['apiVersion: capstan.dev/v1alpha1', 'kind: Project', 'environments:', '  - name: dev', 'apps:'];
  const files: Record<string, string> = {};
  for (const app of apps) {
    lines.push(`  - name: ${app.name}`, `    source: apps/${app.name}`, `    namespace: ${app.name}`, '    createNamespace: true');
    if (app.extra) lines.push(`    ${app.extra}`);
    files[`apps/${app.name}/web.yaml`] = deployment();
  }
  return { ...files, 'capstan.yaml': `${lines.join('\n')}\n` };
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const dev = (app: string): AppRef => ({ app, env: 'dev' });

/** Waits until the wall clock is in a later whole second than now (managedFields times are whole seconds). */
async function nextSecond(): Promise<void> {
  const second = Math.floor(Date.now() / 1000);
  await waitFor(() => Math.floor(Date.now() / 1000) > second, 'the next second');
}

interface Setup {
  fx: EngineFixture;
  dir: string;
  agent: Agent;
  /** Resolves once every watch of the agent has listed and is open. */
  watching(): Promise<void>;
  replicas(namespace: string): Promise<number | undefined>;
  image(namespace: string): Promise<string | undefined>;
}

async function setup(t: TestContext, files: Record<string, string>, options: Partial<AgentOptions> & { watch?: boolean } = {}): Promise<Setup> {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-cache-'));
  const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
  const { dir } = await makeRepo(files);
  const watch = options.watch ?? true;
  const watchers: { synced(): boolean }[] = [];
  const made = <T extends { synced(): boolean }>(watcher: T): T => (watchers.push(watcher), watcher);
  const agent = createAgent({
    engine: fx.engine,
    repo: { url: dir },
    clientFor: async () => fx.client,
    pollIntervalMs: 0,
    ...(watch
      ? {
          driftWatcher: (onDrift) => made(new DriftWatcher({ client: fx.client, onDrift, debounceMs: 50 })),
          inventoryWatcher: (onChange) => made(new InventoryWatcher({ client: fx.client, onChange })),
        }
      : {}),
    ...options,
  });
  t.after(async () => {
    await agent.stop();
    await fx.stop();
    rmSync(cache, { recursive: true, force: true });
  });
  const web = (namespace: string) => fx.client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace, name: 'web' });
  return {
    fx,
    dir,
    agent,
    watching: () => waitFor(() => watchers.every((w) => w.synced()), 'the watches to open'),
    replicas: async (namespace) => ((await web(namespace))?.spec as { replicas?: number } | undefined)?.replicas,
    image: async (namespace) => ((await web(namespace))?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined)?.template.spec.containers[0]?.image,
  };
}

/** What `kubectl scale` does on an API server before 1.22: the value changes, managedFields do not. */
async function scaleUntracked(fx: EngineFixture, namespace: string, replicas: number): Promise<void> {
  await fx.sandbox.writeUntracked('apps/v1', 'Deployment', namespace, 'web', (object) => {
    (object.spec as { replicas: number }).replicas = replicas;
  });
}

test('a scale that leaves managedFields untouched is drift: found by values, healed with selfHeal, reported without', async (t) => {
  const s = await setup(t, repoFiles([{ name: 'healer', extra: 'syncPolicy: { selfHeal: true }' }, { name: 'watcher' }]));
  await s.agent.start();
  await s.agent.idle();
  assert.deepEqual(s.agent.apps().map((a) => a.sync), ['Synced', 'Synced']);
  await s.watching();
  await scaleUntracked(s.fx, 'healer', 5);
  await waitFor(async () => (await s.replicas('healer')) === 3 && s.agent.app(dev('healer'))!.drifts === 1, 'healer reverted to 3 replicas');
  await s.agent.idle();
  assert.equal(s.agent.app(dev('healer'))!.sync, 'Synced');

  await scaleUntracked(s.fx, 'watcher', 5);
  await waitFor(() => s.agent.app(dev('watcher'))!.drift !== undefined, 'watcher drift reported');
  const watcher = s.agent.app(dev('watcher'))!;
  assert.deepEqual([watcher.sync, watcher.drifts, watcher.drift?.objects], ['OutOfSync', 1, ['Deployment/watcher/web']]);
  assert.equal(await s.replicas('watcher'), 5, 'without selfHeal drift is only reported');
});

test('a refresh heals a change that left managedFields untouched', async (t) => {
  const s = await setup(t, repoFiles([{ name: 'plain' }]), { watch: false });
  await s.agent.start();
  await s.agent.idle();
  await scaleUntracked(s.fx, 'plain', 5);
  await s.agent.refresh('manual', dev('plain'));
  assert.equal(await s.replicas('plain'), 3);
  assert.equal(s.agent.app(dev('plain'))!.sync, 'Synced');
});

test('a change by another field manager that leaves git’s values in place is not drift', async (t) => {
  const s = await setup(t, repoFiles([{ name: 'quiet', extra: 'syncPolicy: { selfHeal: true }' }]));
  await s.agent.start();
  await s.agent.idle();
  const syncs = s.agent.app(dev('quiet'))!.lastSync?.id;
  await s.watching();
  // a label git does not declare, and the same replicas git declares, by other managers
  await s.fx.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'quiet', labels: { team: 'payments' } } }, { fieldManager: 'kubectl-label' });
  await s.fx.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'quiet' }, spec: { replicas: 3 } }, { fieldManager: 'autoscaler' });
  // a real difference afterwards proves both changes were looked at before it
  await scaleUntracked(s.fx, 'quiet', 4);
  await waitFor(async () => (await s.replicas('quiet')) === 3 && s.agent.app(dev('quiet'))!.drifts === 1, 'only the real difference is drift');
  await s.agent.idle();
  assert.equal(s.agent.app(dev('quiet'))!.lastSync?.id, (syncs ?? 0) + 1, 'one heal, nothing else synced');
});

test('an apply of another commit and a rollback from another capstan are followed through the inventory; the rollback holds', async (t) => {
  const s = await setup(t, repoFiles([{ name: 'shop', extra: 'syncPolicy: { selfHeal: true }' }, { name: 'cart' }]));
  const first = await commit(s.dir, {}, 'nothing');
  await commit(s.dir, { 'apps/shop/web.yaml': deployment(3, 'nginx:1.28'), 'apps/cart/web.yaml': deployment(3, 'nginx:1.28') }, 'nginx 1.28');
  await s.agent.start();
  await s.agent.idle();
  const head = s.agent.app(dev('cart'))!.targetRevision;
  assert.deepEqual(s.agent.apps().map((a) => [a.app, a.revision === head, a.sync]), [['shop', true, 'Synced'], ['cart', true, 'Synced']]);
  await s.watching();
  // Another capstan's writes are told from a hand edit by its managedFields entry, which records
  // whole seconds: writes in the same second as the agent's last one look like an unrecorded edit
  // (only one sync per app at a time across processes, a Lease, ends that ambiguity).
  await nextSecond();

  // CI, with its own capstan, applies an older commit to cart (automated, no selfHeal)
  const ciCache = mkdtempSync(path.join(os.tmpdir(), 'capstan-ci-cache-'));
  t.after(() => rmSync(ciCache, { recursive: true, force: true }));
  const ci = new Engine({ git: new GitCache({ dir: ciCache }), clientFor: async () => s.fx.client, who: 'ci-user' });
  const applied = await ci.sync({ repo: { url: s.dir }, revision: first, app: 'cart', env: 'dev' });
  assert.equal(applied.result, 'Succeeded', applied.error?.message);
  await waitFor(() => s.agent.app(dev('cart'))!.revision === first, 'the agent sees the commit CI applied');
  await s.agent.idle();
  const cart = s.agent.app(dev('cart'))!;
  assert.deepEqual([cart.sync, cart.lastSync?.who, cart.lastSync?.trigger], ['OutOfSync', 'ci-user', 'external']);
  assert.equal(await s.image('cart'), 'nginx:1.27', 'without selfHeal the agent leaves it');

  // CI applies the older commit to shop too: with selfHeal the agent takes it back to HEAD
  assert.equal((await ci.sync({ repo: { url: s.dir }, revision: first, app: 'shop', env: 'dev' })).result, 'Succeeded');
  await waitFor(async () => s.agent.app(dev('shop'))!.revision === head && s.agent.app(dev('shop'))!.lastSync?.trigger === 'external' && (await s.image('shop')) === 'nginx:1.28', 'shop back at HEAD');

  // a laptop rolls shop back to the older commit: the rollback holds, selfHeal or not, until a new commit comes
  await nextSecond();
  const rollback = await ci.rollback({ repo: { url: s.dir }, app: 'shop', env: 'dev' });
  assert.equal(rollback.result, 'Succeeded', rollback.error?.message);
  assert.equal(rollback.revision, first);
  await waitFor(() => s.agent.app(dev('shop'))!.revision === first && s.agent.app(dev('shop'))!.operation === undefined, 'the agent sees the rollback');
  await s.agent.refresh('manual', dev('shop'));
  const shop = s.agent.app(dev('shop'))!;
  assert.deepEqual([shop.revision, shop.sync, shop.lastSync?.who], [first, 'OutOfSync', 'ci-user']);
  assert.equal(await s.image('shop'), 'nginx:1.27', 'the rollback held');
});
