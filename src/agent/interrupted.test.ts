// What an interrupted sync left (recorded ahead in the inventory as pending) is not Synced: the
// agent sees it as a difference and prunes it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { stampOwner } from '../apply/index.ts';
import { startEngineFixture } from '../engine/testing.ts';
import { InventoryStore } from '../inventory/index.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo } from '../source/testing.ts';
import { createAgent } from './agent.ts';

test('objects an interrupted sync created and recorded ahead are found by the agent and pruned', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-interrupted-agent-'));
  const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
  const { dir } = await makeRepo({
    'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: shop, source: shop, namespace: shop, createNamespace: true }\n',
    'shop/c.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kept\ndata: { a: "1" }\n',
  });
  const agent = createAgent({ engine: fx.engine, repo: { url: dir }, clientFor: async () => fx.client, pollIntervalMs: 0 });
  t.after(async () => {
    await agent.stop();
    await fx.stop();
    rmSync(cache, { recursive: true, force: true, maxRetries: 3 });
  });
  await agent.start();
  await agent.idle();

  // another process's sync recorded an object ahead, created it, and was killed before recording the sync
  const store = new InventoryStore(fx.client);
  const leftover = { apiVersion: 'v1', key: { group: '', kind: 'ConfigMap', namespace: 'shop', name: 'leftover' } };
  await store.recordPending(await store.read('shop', 'dev'), [leftover]);
  await fx.client.apply(stampOwner({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'leftover', namespace: 'shop' }, data: { a: '1' } }, { app: 'shop', env: 'dev' }), { fieldManager: 'capstan' });

  const report = await agent.diff({ app: 'shop', env: 'dev' });
  assert.deepEqual(report.diffs.map((d) => `${d.action} ${d.key.name}`), ['delete leftover']);
  await agent.refresh('manual', { app: 'shop', env: 'dev' });
  assert.equal(await fx.client.get('v1', leftover.key), undefined);
  assert.equal(agent.app({ app: 'shop', env: 'dev' })?.sync, 'Synced');
  assert.ok(await fx.client.get('v1', { ...leftover.key, name: 'kept' }));
});
