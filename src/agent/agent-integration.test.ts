// The agent with the real DriftWatcher and ShardCoordinator, against a sandbox over HTTPS.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { startEngineFixture } from '../engine/testing.ts';
import type { KubeClient } from '../kube/index.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo } from '../source/testing.ts';
import { createAgent, type Agent } from './agent.ts';
import { DriftWatcher } from './drift-watcher.ts';
import { ShardCoordinator } from './sharding.ts';
import type { AppRef } from './types.ts';

function configMap(namespace: string, version = '1'): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config\n  namespace: ${namespace}\ndata:\n  version: "${version}"\n`;
}

function repoFiles(apps: { name: string; extra?: string }[]): Record<string, string> {
  const lines = ['apiVersion: capstan.dev/v1alpha1', 'kind: Project', 'environments:', '  - name: dev', 'apps:'];
  const files: Record<string, string> = {};
  for (const app of apps) {
    lines.push(`  - name: ${app.name}`, `    source: apps/${app.name}`, `    namespace: ${app.name}`, '    createNamespace: true');
    if (app.extra) lines.push(`    ${app.extra}`);
    files[`apps/${app.name}/config.yaml`] = configMap(app.name);
  }
  return { ...files, 'capstan.yaml': `${lines.join('\n')}\n` };
}

/** Polls `condition` until it holds; `timeoutMs` only bounds a test that fails, so it is generous for a loaded machine. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const dev = (app: string): AppRef => ({ app, env: 'dev' });

describe('agent with the real drift watcher and shard coordinator', () => {
  test('a hand edit is seen by the drift watcher: reverted with selfHeal, reported without', async (t) => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-cache-'));
    const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
    const { dir } = await makeRepo(repoFiles([{ name: 'healer', extra: 'syncPolicy: { selfHeal: true }' }, { name: 'watcher' }]));
    // the drift watcher's client, noting each watch the server has accepted
    const watching = new Set<string>();
    const watchClient: KubeClient = Object.create(fx.client);
    watchClient.watch = async (apiVersion, kind, options, onEvent) => {
      const handle = await fx.client.watch(apiVersion, kind, options, onEvent);
      watching.add(`${kind}/${options.namespace ?? ''}`);
      return handle;
    };
    const agent = createAgent({
      engine: fx.engine,
      repo: { url: dir },
      clientFor: async () => fx.client,
      pollIntervalMs: 0,
      driftWatcher: (onDrift) => new DriftWatcher({ client: watchClient, onDrift, debounceMs: 50 }),
    });
    t.after(async () => {
      await agent.stop();
      await fx.stop();
      rmSync(cache, { recursive: true, force: true, maxRetries: 10 });
    });
    await agent.start();
    await agent.idle();
    assert.deepEqual(agent.apps().map((a) => a.sync), ['Synced', 'Synced']);
    await waitFor(() => watching.has('ConfigMap/healer') && watching.has('ConfigMap/watcher'), 'the ConfigMap watches to open');
    for (const ns of ['healer', 'watcher']) {
      await fx.client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: ns }, data: { version: 'hand-edit' } }, { fieldManager: 'kubectl-edit', force: true });
    }
    const version = async (ns: string): Promise<string | undefined> => ((await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: ns, name: 'config' }))?.data as Record<string, string> | undefined)?.version;
    await waitFor(async () => (agent.app(dev('healer'))!.drifts ?? 0) >= 1 && agent.app(dev('healer'))!.sync === 'Synced' && (await version('healer')) === '1', 'healer reverted');
    await waitFor(() => agent.app(dev('watcher'))!.drift !== undefined && agent.app(dev('watcher'))!.operation === undefined, 'watcher drift reported');
    const watcher = agent.app(dev('watcher'))!;
    assert.deepEqual([watcher.sync, watcher.drift?.objects], ['OutOfSync', ['ConfigMap/watcher/config']]);
    assert.equal(await version('watcher'), 'hand-edit');
    // the heal itself (capstan's own write) is not drift
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(agent.app(dev('healer'))!.drifts, 1);
  });

  test('two replicas share the apps through Leases; when one stops the other takes its apps over', async (t) => {
    const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-agent-cache-'));
    const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
    const apps = Array.from({ length: 6 }, (_, i) => ({ name: `app${i + 1}` }));
    const { dir } = await makeRepo(repoFiles(apps));
    const agents: Agent[] = [];
    const replica = (identity: string): Agent => {
      const agent = createAgent({ engine: fx.engine, repo: { url: dir }, clientFor: async () => fx.client, pollIntervalMs: 0, shards: new ShardCoordinator({ client: fx.client, identity, leaseDurationMs: 1500 }) });
      agents.push(agent);
      return agent;
    };
    t.after(async () => {
      for (const a of agents) await a.stop();
      await fx.stop();
      rmSync(cache, { recursive: true, force: true, maxRetries: 10 });
    });
    const a = replica('replica-a');
    const b = replica('replica-b');
    await Promise.all([a.start(), b.start()]);
    const ownedBy = (agent: Agent, id: string): string[] => agent.apps().filter((s) => s.owner === id).map((s) => s.app);
    await waitFor(async () => {
      await Promise.all([a.idle(), b.idle()]);
      const ofA = ownedBy(a, 'replica-a');
      const ofB = ownedBy(b, 'replica-b');
      return a.ready() && b.ready() && ofA.length > 0 && ofB.length > 0 && ofA.length + ofB.length === 6 && ofA.every((x) => !ofB.includes(x));
    }, 'the apps split between two replicas');
    for (const app of apps) {
      assert.equal(a.app(dev(app.name))!.owner, b.app(dev(app.name))!.owner, `both replicas agree on the owner of ${app.name}`);
    }
    await waitFor(() => apps.every((x) => [a, b].some((r) => r.app(dev(x.name))!.owner?.endsWith(r === a ? 'a' : 'b') && r.app(dev(x.name))!.sync === 'Synced')), 'every app Synced by its owner');

    const ofB = ownedBy(b, 'replica-b');
    await b.stop();
    await waitFor(async () => {
      await a.idle();
      return a.ready() && a.apps().every((s) => s.owner === 'replica-a' && s.sync === 'Synced');
    }, `replica-a takes over ${ofB.join(', ')}`);
  });
});
