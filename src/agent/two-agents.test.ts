// Two agents on one repo and one cluster without sharding (a mistake, but one that must not corrupt
// anything): every commit is synced, one sync at a time per app, and no history entry is lost.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Engine } from '../engine/index.ts';
import { startEngineFixture } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createAgent } from './agent.ts';

const configMaps = (version: number): string =>
  Array.from({ length: 20 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c${i}\ndata: { version: "${version}" }\n`).join('---\n');

test('two agents without sharding sync every commit of an app once each, in order, and lose no history entry', async (t) => {
  const caches = [0, 1, 2].map(() => mkdtempSync(path.join(os.tmpdir(), 'capstan-two-agents-')));
  const fx = await startEngineFixture({ git: new GitCache({ dir: caches[0]! }) });
  const repo = await makeRepo({
    'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: shop, source: shop, namespace: shop, createNamespace: true }\n',
    'shop/maps.yaml': configMaps(1),
  });
  /** Every history entry an agent's sync said it recorded, as `id who`. */
  const recorded: string[] = [];
  const engines = [1, 2].map((n) => {
    const engine = new Engine({ git: new GitCache({ dir: caches[n]! }), clientFor: async () => fx.client, who: `agent-${n}` });
    // every sync, automatic or asked for, applies a plan
    const apply = engine.apply.bind(engine);
    engine.apply = async (plan, options) => {
      const result = await apply(plan, options);
      if (result.recorded) recorded.push(`${result.recorded.id} ${result.recorded.who}`);
      return result;
    };
    return engine;
  });
  const agents = engines.map((engine) =>
    createAgent({
      engine,
      repo: { url: repo.dir },
      clientFor: async () => fx.client,
      pollIntervalMs: 0,
    }),
  );
  t.after(async () => {
    for (const agent of agents) await agent.stop();
    await fx.stop();
    for (const dir of caches) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  await Promise.all(agents.map((agent) => agent.start()));
  await Promise.all(agents.map((agent) => agent.idle()));

  for (let version = 2; version <= 4; version++) {
    await commit(repo.dir, { 'shop/maps.yaml': configMaps(version) }, `version ${version}`);
    // both hear of the commit at once and race for it
    await Promise.all(agents.map((agent) => agent.refresh('webhook')));
    await Promise.all(agents.map((agent) => agent.idle()));
  }

  const inventory = await fx.engine.history(await fx.engine.open({ url: repo.dir }), 'shop', 'dev');
  const head = await fx.engine.open({ url: repo.dir });
  assert.equal(inventory.revision, head.commit);
  // one successful sync per revision (the agent that lost the race found nothing left to change), none lost
  const synced = inventory.history.filter((h) => h.result === 'Succeeded').map((h) => h.revision);
  assert.equal(new Set(synced).size, 4, JSON.stringify(inventory.history.map((h) => `${h.id} ${h.who} ${h.result} ${h.revision.slice(0, 7)} ${h.message ?? ''}`)));
  assert.deepEqual(inventory.history.map((h) => h.id), inventory.history.map((_, i) => i + 1), 'ids without a gap or a repeat');
  assert.deepEqual(recorded.sort(), inventory.history.map((h) => `${h.id} ${h.who}`).sort(), 'every entry a sync recorded is in the history');
  const { items } = await fx.client.list('v1', 'ConfigMap', { namespace: 'shop', labelSelector: 'capstan.dev/app' });
  assert.deepEqual([...new Set(items.map((item) => (item.data as { version: string }).version))], ['4']);
});
