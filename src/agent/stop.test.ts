// Stopping the agent while a sync waits for a rollout that never finishes: the sync stops waiting,
// is recorded as stopped, and lets go of the app's lock, so stop() returns at once and the next
// sync (of any process) goes ahead.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { startEngineFixture } from '../engine/testing.ts';
import { GitCache } from '../source/index.ts';
import { makeRepo } from '../source/testing.ts';
import { createAgent } from './agent.ts';

const unschedulable = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: stuck
spec:
  replicas: 1
  selector: { matchLabels: { app: stuck } }
  template:
    metadata: { labels: { app: stuck } }
    spec:
      nodeSelector: { disk: none }
      containers: [{ name: stuck, image: nginx:1.27 }]
`;

test('stop() ends a sync that waits for a rollout: recorded as stopped, its lock released', async (t) => {
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-stop-'));
  const fx = await startEngineFixture({ git: new GitCache({ dir: cache }) });
  t.after(async () => {
    await fx.stop();
    rmSync(cache, { recursive: true, force: true, maxRetries: 3 });
  });
  const { dir } = await makeRepo({
    'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: web, source: web, namespace: web, createNamespace: true, syncOptions: { timeout: 30m } }\n',
    'web/stuck.yaml': unschedulable,
  });
  const agent = createAgent({ engine: fx.engine, repo: { url: dir }, clientFor: async () => fx.client, pollIntervalMs: 0 });
  const starting = agent.start();
  const lease = { group: 'coordination.k8s.io', kind: 'Lease', namespace: 'capstan-system', name: 'capstan.web.dev' };
  // the sync holds the app's lock while it waits for the rollout
  while (!(await fx.client.get('coordination.k8s.io/v1', lease))) await new Promise((resolve) => setTimeout(resolve, 25));
  await starting;

  let stopped = false;
  const stopping = agent.stop().then(() => (stopped = true));
  const bound = new Promise((resolve) => setTimeout(resolve, 60_000).unref());
  await Promise.race([stopping, bound]);
  assert.ok(stopped, 'stop() returned long before the 30 min wave timeout');
  assert.equal(await fx.client.get('coordination.k8s.io/v1', lease), undefined, 'the lock is released');
  const last = (await fx.engine.history(await fx.engine.open({ url: dir }), 'web', 'dev')).history.at(-1);
  assert.equal(last?.result, 'Failed');
  assert.match(last?.message ?? '', /Deployment\/web\/stuck was still Progressing when the wait was stopped \(the agent is stopping\)/);
});
