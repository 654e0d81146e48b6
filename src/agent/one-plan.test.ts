// One plan, applied once: an agent reconcile of an app that changed reads its inventory once,
// plans once, and dry-runs each changed object once (the unchanged ones not at all), counted at
// the client the engine talks to the sandbox through.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { Engine } from '../engine/index.ts';
import { startEngineFixture } from '../engine/testing.ts';
import type { KubeClient } from '../kube/index.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createAgent } from './agent.ts';

const configMap = (name: string, value: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  value: "${value}"\n`;

function files(changed: string): Record<string, string> {
  return {
    'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\napps:\n  - name: shop\n    source: apps/shop\n    namespace: shop\n    createNamespace: true\n',
    'apps/shop/maps.yaml': ['a', 'b', 'c', 'd', 'e'].map((name) => configMap(name, name === 'c' ? changed : '1')).join('---\n'),
  };
}

interface Counts {
  inventoryReads: number;
  dryRuns: string[];
  applies: string[];
}

/** A client that counts what the engine asks of the cluster. */
function counting(client: KubeClient, counts: Counts): KubeClient {
  const counted: KubeClient = Object.create(client);
  counted.get = async (apiVersion, key) => {
    if (key.kind === 'ConfigMap' && key.name.startsWith('capstan.shop.')) counts.inventoryReads++;
    return client.get(apiVersion, key);
  };
  counted.apply = async (manifest: Manifest, options) => {
    (options?.dryRun ? counts.dryRuns : counts.applies).push(`${manifest.kind}/${manifest.metadata.name}`);
    return client.apply(manifest, options);
  };
  return counted;
}

test('an agent reconcile of a changed app reads its inventory once, plans once and dry-runs only the changed object, once', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-one-plan-'));
  const fx = await startEngineFixture();
  const counts: Counts = { inventoryReads: 0, dryRuns: [], applies: [] };
  const client = counting(fx.client, counts);
  const engine = new Engine({ git: new GitCache({ dir: cache }), clientFor: async () => client, who: 'test' });
  let plans = 0;
  const plan = engine.plan.bind(engine);
  engine.plan = (...args) => (plans++, plan(...args));
  const { dir } = await makeRepo(files('1'));
  const agent = createAgent({ engine, repo: { url: dir }, clientFor: async () => client, pollIntervalMs: 0 });
  t.after(async () => {
    await agent.stop();
    await fx.stop();
    rmSync(cache, { recursive: true, force: true });
  });
  await agent.start();
  await agent.idle();
  assert.equal(agent.app({ app: 'shop', env: 'dev' })?.sync, 'Synced');

  await commit(dir, files('2'), 'c: 2');
  Object.assign(counts, { inventoryReads: 0, dryRuns: [], applies: [] });
  plans = 0;
  await agent.refresh('webhook');
  await agent.idle();

  const state = agent.app({ app: 'shop', env: 'dev' })!;
  assert.deepEqual([state.sync, state.lastSync?.result, state.lastSync?.counts.configured], ['Synced', 'Succeeded', 1]);
  assert.equal(plans, 1, 'one plan');
  assert.equal(counts.inventoryReads, 1, 'the inventory read once');
  assert.deepEqual(counts.dryRuns, ['ConfigMap/c'], 'only the changed object dry-run, once');
  assert.deepEqual(
    counts.applies.filter((a) => !a.startsWith('ConfigMap/capstan.') && !a.startsWith('Lease/')),
    ['ConfigMap/c'],
    'only the changed object written',
  );
});
