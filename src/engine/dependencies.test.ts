// dependsOn, ignoreDifferences and kubeconfig contexts through the engine, on small repos of their own.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { makeRepo, commit } from '../source/testing.ts';
import { GitCache } from '../source/index.ts';
import { Engine } from './engine.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const deployment = (name: string, image: string, replicas = 1): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\nspec:\n  replicas: ${replicas}\n  selector: { matchLabels: { app: ${name} } }\n  template:\n    metadata: { labels: { app: ${name} } }\n    spec: { containers: [{ name: ${name}, image: ${image} }] }\n`;

const project = (extra = ''): string => `apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: dev }]
apps:
  - { name: db, source: db, namespace: deps-db, createNamespace: true }
  - name: app
    source: app
    namespace: deps-app
    createNamespace: true
    dependsOn: [db]
${extra}`;

describe('engine: dependencies and ignored differences', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  test('an app waits for its dependency to be healthy, and fails naming it when it never is', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project(), 'db/db.yaml': deployment('db', 'registry.example.com/db:crashloop'), 'app/app.yaml': deployment('app', 'nginx:1.27') });
    const db = await fx.engine.sync({ repo: { url: repo.dir }, app: 'db', env: 'dev', timeoutMs: 1500 });
    assert.equal(db.result, 'Failed');
    const started = Date.now();
    const app = await fx.engine.sync({ repo: { url: repo.dir }, app: 'app', env: 'dev', timeoutMs: 1500 });
    assert.ok(Date.now() - started >= 1400, 'it waited for the timeout');
    assert.equal(app.result, 'Failed');
    assert.equal(app.error?.category, 'timeout');
    assert.match(app.error!.message, /^app "app" waited for "db" to be healthy in environment "dev", but it is (Degraded|Progressing): Deployment\/deps-db\/db: /);
    assert.equal(await fx.client.get('v1', { group: '', kind: 'Namespace', namespace: '', name: 'deps-app' }), undefined, 'nothing of app was applied');

    await commit(repo.dir, { 'db/db.yaml': deployment('db', 'registry.example.com/db:1.0') }, 'db: a working image');
    assert.equal((await fx.engine.sync({ repo: { url: repo.dir }, app: 'db', env: 'dev' })).result, 'Succeeded');
    const healthy = await fx.engine.sync({ repo: { url: repo.dir }, app: 'app', env: 'dev' });
    assert.equal(healthy.result, 'Succeeded', healthy.error?.message);
  });

  test('ignoreDifferences hides drift in the named fields from diff', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project(), 'db/db.yaml': deployment('web', 'nginx:1.27', 2), 'app/app.yaml': deployment('app', 'nginx:1.27') });
    assert.equal((await fx.engine.sync({ repo: { url: repo.dir }, app: 'db', env: 'dev' })).result, 'Succeeded');
    // an autoscaler takes over replicas
    await fx.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'deps-db' }, spec: { replicas: 5 } }, { fieldManager: 'autoscaler', force: true });
    let report = await fx.engine.diff(await fx.engine.open({ url: repo.dir }), 'db', 'dev');
    assert.deepEqual(report.diffs.map((d) => d.changedPaths), [['/spec/replicas']]);

    const rule = '    ignoreDifferences:\n      - { group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }\n';
    await commit(repo.dir, { 'capstan.yaml': project().replace('  - { name: db, source: db, namespace: deps-db, createNamespace: true }\n', `  - name: db\n    source: db\n    namespace: deps-db\n    createNamespace: true\n${rule}`) }, 'db: replicas belong to the autoscaler');
    report = await fx.engine.diff(await fx.engine.open({ url: repo.dir }), 'db', 'dev');
    assert.deepEqual(report.diffs, []);
    assert.equal(report.changed, false);
  });

  test("each environment's cluster is its kubeconfig context, and --context overrides them all", async () => {
    const text = project()
      .replace('environments: [{ name: dev }]', 'environments: [{ name: dev, cluster: kind-dev }, { name: prod, cluster: prod-eu }]')
      .replaceAll('deps-', 'ctx-');
    const repo = await makeRepo({ 'capstan.yaml': text, 'db/db.yaml': deployment('ctx', 'nginx:1.27'), 'app/app.yaml': deployment('app', 'nginx:1.27') });
    const asked: (string | undefined)[] = [];
    const engine = (context?: string): Engine =>
      new Engine({ git: new GitCache({ dir: fx.cacheDir }), context, who: 'test', clientFor: async (name) => (asked.push(name), fx.client) });
    const checkout = await engine().open({ url: repo.dir });
    await engine().diff(checkout, 'db', 'dev');
    await engine().diff(checkout, 'db', 'prod');
    await engine('sandbox').diff(checkout, 'db', 'prod');
    assert.deepEqual(asked, ['kind-dev', 'prod-eu', 'sandbox']);
  });
});

describe('engine: diff previews the prune as a sync would do it', () => {
  test('an object annotated capstan.dev/prune: disabled that left the render is not shown as deleted', async (t) => {
    const fx = await startEngineFixture();
    t.after(() => fx.stop());
    const keep = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  annotations: { capstan.dev/prune: disabled }\ndata: { a: "1" }\n';
    const drop = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: drop\ndata: { a: "1" }\n';
    const text = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: p, source: p, namespace: prune-preview, createNamespace: true }\n';
    const repo = await makeRepo({ 'capstan.yaml': text, 'p/keep.yaml': keep, 'p/drop.yaml': drop, 'p/stay.yaml': drop.replace('drop', 'stay') });
    assert.equal((await fx.engine.sync({ repo: { url: repo.dir }, app: 'p', env: 'dev' })).result, 'Succeeded');
    await commit(repo.dir, { 'p/keep.yaml': null, 'p/drop.yaml': null }, 'remove two');
    const report = await fx.engine.diff(await fx.engine.open({ url: repo.dir }), 'p', 'dev');
    assert.deepEqual(report.diffs.map((d) => `${d.action} ${d.key.name}`), ['delete drop']);
    const synced = await fx.engine.sync({ repo: { url: repo.dir }, app: 'p', env: 'dev' });
    assert.deepEqual(synced.changeSet.changes.filter((c) => c.action === 'deleted').map((c) => c.key.name), ['drop']);
  });
});
