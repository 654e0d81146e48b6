// Apps removed from capstan.yaml whose objects keep running: reported as orphaned by the agent
// (API state, metrics) and by `status`, deleted only where the project says pruneRemovedApps.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { startEngineFixture, type EngineFixture } from '../engine/testing.ts';
import { createMetrics } from '../server/metrics.ts';
import { GitCache } from '../source/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { createAgent, type Agent } from './agent.ts';
import type { AppState } from './types.ts';

const configMap = (name: string): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata: { a: "1" }\n`;
const project = (apps: string[], extra = ''): string =>
  `apiVersion: capstan.dev/v1alpha1\nkind: Project\n${extra}environments: [{ name: dev }]\napps:\n${apps.map((app) => `  - { name: ${app}, source: ${app}, namespace: ${app}, createNamespace: true }\n`).join('')}`;

async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function setup(t: TestContext, extra = ''): Promise<{ fx: EngineFixture; dir: string; agent: Agent }> {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-orphans-'));
  const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
  const { dir } = await makeRepo({ 'capstan.yaml': project(['kept', 'gone'], extra), 'kept/c.yaml': configMap('kept'), 'gone/c.yaml': configMap('gone') });
  const agent = createAgent({ engine: fx.engine, repo: { url: dir }, clientFor: async () => fx.client, pollIntervalMs: 0 });
  t.after(async () => {
    await agent.stop();
    await fx.stop();
    rmSync(cache, { recursive: true, force: true, maxRetries: 3 });
  });
  await agent.start();
  await agent.idle();
  return { fx, dir, agent };
}

const summary = (states: AppState[]): string[] => states.map((s) => `${s.app}/${s.env} ${s.sync}${s.orphaned ? ' orphaned' : ''}`);

test('an app removed from capstan.yaml is reported as orphaned, in the API, the metrics and status, its objects left running', async (t) => {
  const { fx, dir, agent } = await setup(t);
  await commit(dir, { 'capstan.yaml': project(['kept']) }, 'remove gone');
  await agent.refresh('webhook');
  await waitFor(() => agent.app({ app: 'gone', env: 'dev' })?.orphaned === true, 'gone to be reported');
  assert.deepEqual(summary(agent.apps()), ['kept/dev Synced', 'gone/dev OutOfSync orphaned']);
  assert.equal(
    agent.app({ app: 'gone', env: 'dev' })?.error,
    'removed from capstan.yaml, yet 2 of its objects are still in the cluster: capstan delete gone --env dev removes them, or set pruneRemovedApps: true',
  );
  assert.ok(await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'gone', name: 'gone' }), 'left running');
  const metrics = createMetrics({ apps: () => agent.apps(), version: 'test' });
  assert.match(await metrics.registry.metrics(), /^capstan_orphaned_apps 1$/m);

  const checkout = await fx.engine.open({ url: dir });
  const status = await fx.engine.status(checkout);
  assert.deepEqual(status.map((s) => `${s.app} ${s.orphaned ? 'orphaned' : s.sync}`), ['kept Synced', 'gone orphaned']);
  // `capstan delete` still reaches it
  const deleted = await fx.engine.delete({ repo: { url: dir }, app: 'gone', env: 'dev' });
  assert.equal(deleted.result, 'Succeeded', deleted.error?.message);
  assert.equal(await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'gone', name: 'gone' }), undefined);
  await agent.refresh('manual');
  await waitFor(() => agent.app({ app: 'gone', env: 'dev' }) === undefined, 'gone to be forgotten once deleted');
});

test('with pruneRemovedApps the agent deletes what a removed app applied', async (t) => {
  const { fx, dir, agent } = await setup(t, 'pruneRemovedApps: true\n');
  await commit(dir, { 'capstan.yaml': project(['kept'], 'pruneRemovedApps: true\n') }, 'remove gone');
  await agent.refresh('webhook');
  await waitFor(async () => (await fx.client.get('v1', { group: '', kind: 'Namespace', namespace: '', name: 'gone' })) === undefined, 'gone to be deleted');
  await waitFor(() => agent.app({ app: 'gone', env: 'dev' }) === undefined, 'gone no longer reported');
  assert.ok(await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'kept', name: 'kept' }), 'the others stay');
  const inventory = (await fx.engine.history(await fx.engine.open({ url: dir }), 'kept', 'dev')).history.at(-1);
  assert.equal(inventory?.operation, 'sync');
});
