// A health rule at the top of capstan.yaml decides the health of an app that has none of its own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeRepo } from '../source/testing.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: dev }]
health:
  - group: ""
    kind: ConfigMap
    rules:
      - { status: Suspended, when: [{ path: data.mode, equals: paused }], message: "paused by the project ({{ metadata.name }})" }
apps:
  - { name: shop, source: shop, namespace: project-health, createNamespace: true }
`;

const configMap = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: { mode: paused }\n';

describe('engine: project-wide health rules', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  test("a rule at the top of capstan.yaml decides an app's health, in the sync and in its status", async () => {
    const repo = await makeRepo({ 'capstan.yaml': project, 'shop/settings.yaml': configMap });
    const result = await fx.engine.sync({ repo: { url: repo.dir }, app: 'shop', env: 'dev' });
    assert.equal(result.result, 'Succeeded', result.error?.message);
    assert.deepEqual({ status: result.health?.status, message: result.health?.message }, { status: 'Suspended', message: 'ConfigMap/project-health/settings: paused by the project (settings)' });
    const shop = await fx.engine.appStatusOf(await fx.engine.open({ url: repo.dir }), 'shop', 'dev');
    assert.deepEqual({ health: shop.health, message: shop.healthMessage }, { health: 'Suspended', message: 'ConfigMap/project-health/settings: paused by the project (settings)' });
  });
});
