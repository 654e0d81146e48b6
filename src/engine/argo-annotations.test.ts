// A directory app written for Argo CD (its annotations, a generateName hook, Helm hook annotations
// in plain YAML), synced through the engine as it is.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatKey } from '../core/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: dev }]
apps:
  - { name: shop, source: shop, namespace: argo-shop, createNamespace: true }
`;

const job = (metadata: string, image = 'busybox:1.36'): string =>
  `apiVersion: batch/v1\nkind: Job\nmetadata:\n${metadata}spec:\n  backoffLimit: 0\n  template:\n    spec: { restartPolicy: Never, containers: [{ name: main, image: "${image}" }] }\n`;

const manifests = (version: string): string =>
  [
    job('  generateName: schema-migrate-\n  annotations: { argocd.argoproj.io/hook: PreSync }\n'),
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: api\n  annotations: { argocd.argoproj.io/sync-wave: "1" }\ndata: { version: "${version}" }\n`,
    job('  name: notify\n  annotations: { helm.sh/hook: post-install, helm.sh/hook-weight: "-1", helm.sh/hook-delete-policy: hook-succeeded }\n'),
    `apiVersion: v1\nkind: Pod\nmetadata:\n  name: chart-test\n  annotations: { helm.sh/hook: test }\nspec: { restartPolicy: Never, containers: [{ name: test, image: "busybox:1.36" }] }\n`,
  ].join('---\n');

describe('engine: a repo written for Argo CD', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await startEngineFixture();
  });
  after(async () => {
    await fx?.stop();
  });

  test('Argo CD and Helm hook annotations in a plain directory: a generateName PreSync hook per sync, a Helm post-install hook as PostSync, a Helm test hook never applied', async () => {
    const repo = await makeRepo({ 'capstan.yaml': project, 'shop/all.yaml': manifests('1') });
    const first = await fx.engine.sync({ repo: { url: repo.dir }, app: 'shop', env: 'dev' });
    assert.equal(first.result, 'Succeeded', first.error?.message);
    const lines = first.changeSet.changes.map((c) => `${formatKey(c.key)} ${c.action}${c.hook ? ` (${c.hook} wave ${c.wave})` : ''}`);
    assert.deepEqual(
      lines.map((l) => l.replace(/schema-migrate-[a-z0-9]{5}/, 'schema-migrate-*')),
      [
        'Pod/argo-shop/chart-test skipped',
        'Namespace/argo-shop created',
        'Job/argo-shop/schema-migrate-* created (PreSync wave 0)',
        'ConfigMap/argo-shop/api created',
        'Job/argo-shop/notify created (PostSync wave -1)',
      ],
    );
    assert.equal(first.changeSet.changes[0].message, 'annotated helm.sh/hook: test: a sync never runs such a Helm hook, so it is not applied');
    assert.equal(await fx.client.get('v1', { group: '', kind: 'Pod', namespace: 'argo-shop', name: 'chart-test' }), undefined);
    const jobs = async () => (await fx.client.list('batch/v1', 'Job', { namespace: 'argo-shop' })).items.map((j) => j.metadata.name).sort();
    const [migrate] = await jobs();
    assert.match(migrate, /^schema-migrate-[a-z0-9]{5}$/, 'the hook-succeeded notify Job was not deleted');

    await commit(repo.dir, { 'shop/all.yaml': manifests('2') }, 'api: version 2');
    const second = await fx.engine.sync({ repo: { url: repo.dir }, app: 'shop', env: 'dev' });
    assert.equal(second.result, 'Succeeded', second.error?.message);
    const after = await jobs();
    assert.equal(after.length, 1, `Jobs left: ${after.join(', ')}`);
    assert.notEqual(after[0], migrate, 'the PreSync hook was not created anew');
    assert.deepEqual(second.inventory?.objects.map((o) => formatKey(o.key)).sort(), ['ConfigMap/argo-shop/api', 'Namespace/argo-shop']);
  });

  test('compare-options IgnoreExtraneous: an object removed from git does not make the app differ, and a sync still prunes it', async () => {
    const app = `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: gen, source: gen, namespace: argo-gen, createNamespace: true }\n`;
    const cm = (name: string, annotations = ''): string => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${annotations}data: { a: "1" }\n`;
    const repo = await makeRepo({ 'capstan.yaml': app, 'gen/a.yaml': cm('settings'), 'gen/b.yaml': cm('generated-x1', '  annotations: { argocd.argoproj.io/compare-options: IgnoreExtraneous }\n') });
    assert.equal((await fx.engine.sync({ repo: { url: repo.dir }, app: 'gen', env: 'dev' })).result, 'Succeeded');
    await commit(repo.dir, { 'gen/b.yaml': null }, 'the generator names it anew');
    const report = await fx.engine.diff(await fx.engine.open({ url: repo.dir }), 'gen', 'dev');
    assert.equal(report.changed, false, 'the extraneous ConfigMap made the app differ');
    const synced = await fx.engine.sync({ repo: { url: repo.dir }, app: 'gen', env: 'dev' });
    assert.deepEqual(
      synced.changeSet.changes.filter((c) => c.action === 'deleted').map((c) => formatKey(c.key)),
      ['ConfigMap/argo-gen/generated-x1'],
    );
  });
});
