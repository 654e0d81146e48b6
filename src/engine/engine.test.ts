// The engine on the example config repo against a sandbox over HTTPS: the acceptance story of push
// mode, step by step. Tests in this file share one cluster and run in order.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatKey, type Manifest } from '../core/index.ts';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { encryptSops } from '../render/index.ts';
import { exampleAgeKeyFile, exampleRepo, examplesDir, startEngineFixture, type EngineFixture, type ExampleRepo } from './testing.ts';
import type { SyncResult } from './engine.ts';

const key = (kind: string, namespace: string, name: string, group = ''): { group: string; kind: string; namespace: string; name: string } => ({ group, kind, namespace, name });
const deployment = (namespace: string, name: string) => key('Deployment', namespace, name, 'apps');

function changed(result: SyncResult): string[] {
  return result.changeSet.changes.filter((c) => c.action !== 'unchanged' && !(c.action === 'skipped' && c.hook)).map((c) => `${c.action} ${formatKey(c.key)}`);
}

function assertSucceeded(result: SyncResult): void {
  assert.equal(result.result, 'Succeeded', result.error?.message);
}

describe('engine on the example repo', () => {
  let fx: EngineFixture;
  let repo: ExampleRepo;
  /** Objects created by the first sync, per app, in the order they were created. */
  const created = new Map<string, string[]>();
  const remote = (): { url: string } => ({ url: repo.dir });
  const live = (apiVersion: string, k: ReturnType<typeof key>): Promise<Manifest | undefined> => fx.client.get(apiVersion, k);

  before(async () => {
    fx = await startEngineFixture();
    repo = await exampleRepo();
  });
  after(async () => {
    await fx?.stop();
  });

  test('a dependent app is refused before its dependency was ever synced', async () => {
    const result = await fx.engine.sync({ repo: remote(), app: 'api', env: 'dev' });
    assert.equal(result.result, 'Failed');
    assert.equal(result.error?.message, 'app "api" depends on "redis", which has never been synced to environment "dev": apply it first (or use --all, which applies apps in dependency order)');
    assert.equal(await live('v1', key('Namespace', '', 'api')), undefined);
  });

  test('first apply of every app creates everything, in dependency order, healthy', async () => {
    let current = '';
    const results = await fx.engine.syncAll({
      repo: remote(),
      env: 'dev',
      onStart: (app) => void (current = app.name),
      onProgress: (event) => {
        if (event.type === 'change' && event.change.action === 'created') created.set(current, [...(created.get(current) ?? []), formatKey(event.change.key)]);
      },
    });
    assert.deepEqual(results.map((r) => r.app), ['web', 'guestbook', 'redis', 'api', 'shop', 'orders']);
    for (const r of results) {
      assertSucceeded(r);
      assert.equal(r.health?.status, 'Healthy', `${r.app}: ${r.health?.message}`);
      assert.ok(r.counts.created > 0);
      assert.equal(r.counts.created, r.changeSet.changes.length, `${r.app}: ${changed(r).join(', ')}`);
    }
    const web = await live('apps/v1', deployment('web', 'web'));
    assert.equal((web?.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image, 'nginx:1.27-alpine');
    assert.equal(web?.metadata.annotations?.['capstan.dev/owner'], 'web/dev');
    const shop = await live('apps/v1', deployment('shop', 'catalog'));
    assert.match(JSON.stringify(shop?.spec), /registry\.example\.com\/shop\/catalog:[0-9a-f]{40}/);
  });

  test('hooks and waves ran in order: PreSync, wave -1, wave 0, wave 1, PostSync', () => {
    const api = created.get('api') ?? [];
    const position = (name: string): number => {
      const at = api.indexOf(name);
      assert.ok(at >= 0, `${name} was created (created: ${api.join(', ')})`);
      return at;
    };
    const order = ['Job/api/migrate', 'ConfigMap/api/api-config', 'Deployment/api/api', 'Ingress/api/api', 'Job/api/smoke-test'];
    for (let i = 1; i < order.length; i++) assert.ok(position(order[i]!) > position(order[i - 1]!), `${order[i]} after ${order[i - 1]}`);
    assert.ok(position('Namespace/api') < position('Job/api/migrate'), 'the namespace exists before the PreSync hook runs');
  });

  test('a second apply writes nothing: no object, no inventory', async () => {
    const before = fx.engineWrites();
    const results = await fx.engine.syncAll({ repo: remote(), env: 'dev' });
    for (const r of results) {
      assertSucceeded(r);
      assert.deepEqual(changed(r), [], r.app);
      assert.equal(r.recorded, undefined, `${r.app} recorded no history entry`);
    }
    assert.equal(fx.engineWrites() - before, 0);
  });

  test('a changed image configures only that Deployment', async () => {
    const before = await live('v1', key('Service', 'web', 'web'));
    await repo.commit({ 'capstan.yaml': repo.read('capstan.yaml').replace('newTag: "1.27-alpine"', 'newTag: "1.28-alpine"') }, 'web: nginx 1.28 in dev');
    const result = await fx.engine.sync({ repo: remote(), app: 'web', env: 'dev' });
    assertSucceeded(result);
    assert.deepEqual(changed(result), ['configured Deployment/web/web']);
    const web = await live('apps/v1', deployment('web', 'web'));
    assert.match(JSON.stringify(web?.spec), /nginx:1\.28-alpine/);
    assert.equal((await live('v1', key('Service', 'web', 'web')))?.metadata.resourceVersion, before?.metadata.resourceVersion);
  });

  test('rollback re-applies the previous revision and records that it did', async () => {
    const result = await fx.engine.rollback({ repo: remote(), app: 'web', env: 'dev' });
    assertSucceeded(result);
    assert.deepEqual(changed(result), ['configured Deployment/web/web']);
    assert.match(JSON.stringify((await live('apps/v1', deployment('web', 'web')))?.spec), /nginx:1\.27-alpine/);
    const history = (await fx.engine.history(await fx.engine.open(remote()), 'web', 'dev')).history;
    const last = history.at(-1)!;
    assert.equal(last.operation, 'rollback');
    assert.equal(last.rollbackOf, history[0]!.id);
    assert.equal(last.revision, history[0]!.revision);
    assert.equal(last.who, 'test-user');
  });

  test('a removed file is pruned', async () => {
    await repo.commit({ 'apps/api/ingress.yaml': null }, 'api: no ingress');
    const result = await fx.engine.sync({ repo: remote(), app: 'api', env: 'dev' });
    assertSucceeded(result);
    // something changed, so the hooks ran again
    assert.deepEqual(changed(result).sort(), ['created Job/api/migrate', 'created Job/api/smoke-test', 'deleted Ingress/api/api']);
    assert.equal(await live('networking.k8s.io/v1', key('Ingress', 'api', 'api', 'networking.k8s.io')), undefined);
  });

  test('an invalid manifest in a commit applies nothing and names the file', async () => {
    const web = await live('apps/v1', deployment('web', 'web'));
    await repo.commit(
      {
        'apps/web/web.yaml': repo.read('apps/web/web.yaml').replace('replicas: 2', 'replicas: 4'),
        'apps/web/broken.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: { a: b }\ndata: { x: "1" }\n',
      },
      'web: scale, plus a broken file',
    );
    const result = await fx.engine.sync({ repo: remote(), app: 'web', env: 'dev' });
    assert.equal(result.result, 'Failed');
    assert.match(result.error!.message, /apps\/web\/broken\.yaml/);
    assert.match(result.error!.message, /name/);
    assert.equal((await live('apps/v1', deployment('web', 'web')))?.metadata.resourceVersion, web?.metadata.resourceVersion);
    const history = (await fx.engine.history(await fx.engine.open(remote()), 'web', 'dev')).history;
    assert.equal(history.at(-1)?.result, 'Failed');
    await repo.commit({ 'apps/web/broken.yaml': null, 'apps/web/web.yaml': repo.read('apps/web/web.yaml').replace('replicas: 4', 'replicas: 2') }, 'web: revert');
  });

  test('an object the server rejects applies nothing, and the error names the object', async () => {
    const web = await live('apps/v1', deployment('web', 'web'));
    await repo.commit(
      {
        'apps/web/web.yaml': repo.read('apps/web/web.yaml').replace('replicas: 2', 'replicas: 5'),
        'apps/web/bad-service.yaml': 'apiVersion: v1\nkind: Service\nmetadata: { name: bad }\nspec:\n  ports: [{ port: 99999 }]\n',
      },
      'web: a Service with an impossible port',
    );
    const result = await fx.engine.sync({ repo: remote(), app: 'web', env: 'dev' });
    assert.equal(result.result, 'Failed');
    assert.match(result.error!.message, /^Service\/web\/bad/m);
    assert.equal((await live('apps/v1', deployment('web', 'web')))?.metadata.resourceVersion, web?.metadata.resourceVersion);
    assert.equal(await live('v1', key('Service', 'web', 'bad')), undefined);
    await repo.commit({ 'apps/web/bad-service.yaml': null, 'apps/web/web.yaml': repo.read('apps/web/web.yaml').replace('replicas: 5', 'replicas: 2') }, 'web: revert');
  });

  test('an empty render prunes nothing', async () => {
    const files = ['apps/api/configmap.yaml', 'apps/api/deployment.yaml', 'apps/api/hook-migrate.yaml', 'apps/api/hook-smoke-test.yaml'];
    const saved = Object.fromEntries(files.map((f) => [f, repo.read(f)]));
    await repo.commit({ ...Object.fromEntries(files.map((f) => [f, null])), 'apps/api/README.yaml': '# nothing here any more\n' }, 'api: emptied by mistake');
    const result = await fx.engine.sync({ repo: remote(), app: 'api', env: 'dev', skipDependencies: true });
    assert.equal(result.result, 'Failed');
    assert.match(result.error!.message, /rendered no objects .* refusing to prune the \d+ objects it applied before/);
    assert.ok(await live('apps/v1', deployment('api', 'api')));
    await repo.commit({ ...saved, 'apps/api/README.yaml': null }, 'api: restored');
  });

  test('the SOPS-encrypted Secret is applied decrypted, and its diff never shows a value', async () => {
    const secret = await live('v1', key('Secret', 'web', 'web-credentials'));
    const data = secret?.data as Record<string, string>;
    assert.equal(Buffer.from(data.password!, 'base64').toString('utf8'), 'example-password-not-real');
    const plain = readFileSync(path.join(examplesDir, '.unencrypted', 'web-secret.yaml'), 'utf8').replace('example-password-not-real', 'rotated-password-42');
    const recipient = /public key: (age1\w+)/.exec(readFileSync(exampleAgeKeyFile, 'utf8'))![1]!;
    const encrypted = await encryptSops(plain, 'secret.sops.yaml', { recipients: [recipient], encryptedRegex: '^(data|stringData)$' });
    await repo.commit({ 'apps/web/secret.sops.yaml': encrypted }, 'web: rotate the password');
    const report = await fx.engine.diff(await fx.engine.open(remote()), 'web', 'dev');
    // (the Deployment differs too: web was rolled back to the image of an earlier commit)
    const secretDiff = report.diffs.find((d) => d.key.kind === 'Secret');
    assert.equal(secretDiff?.action, 'update');
    const text = JSON.stringify(report);
    for (const value of ['example-password-not-real', 'rotated-password-42', 'tok_example_0123456789abcdef']) {
      assert.ok(!text.includes(value), `diff shows ${value}`);
      assert.ok(!text.includes(Buffer.from(value).toString('base64')), `diff shows ${value} in base64`);
    }
    assert.match(secretDiff!.unified, /^- {2}password: \++$/m);
    assert.match(secretDiff!.unified, /^\+ {2}password: \++$/m);
  });

  test('diff says nothing differs after a sync, and shows the change after a commit', async () => {
    const synced = await fx.engine.sync({ repo: remote(), app: 'guestbook', env: 'dev' });
    assertSucceeded(synced);
    let report = await fx.engine.diff(await fx.engine.open(remote()), 'guestbook', 'dev');
    assert.deepEqual(report.diffs.map((d) => d.action), []);
    assert.equal(report.changed, false);
    await repo.commit({ 'apps/guestbook/overlays/dev/kustomization.yaml': repo.read('apps/guestbook/overlays/dev/kustomization.yaml').replace('newTag: v1.5.0', 'newTag: v1.6.0') }, 'guestbook: v1.6.0 in dev');
    report = await fx.engine.diff(await fx.engine.open(remote()), 'guestbook', 'dev');
    assert.equal(report.changed, true);
    assert.deepEqual(report.diffs.map((d) => `${d.action} ${formatKey(d.key)}`), ['update Deployment/guestbook/guestbook']);
    assert.match(report.diffs[0]!.unified, /^-.*:v1\.5\.0$/m);
    assert.match(report.diffs[0]!.unified, /^\+.*:v1\.6\.0$/m);
  });

  test('a field another manager owns is a conflict naming field and manager without force; by default git takes it', async () => {
    await fx.client.apply(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' }, spec: { replicas: 1 } },
      { fieldManager: 'kubectl-edit', force: true },
    );
    await repo.commit({ 'apps/web/web.yaml': repo.read('apps/web/web.yaml').replace('replicas: 2', 'replicas: 3') }, 'web: 3 replicas');
    const conflict = await fx.engine.sync({ repo: remote(), app: 'web', env: 'dev', force: false });
    assert.equal(conflict.result, 'Failed');
    assert.equal(conflict.error?.category, 'conflict');
    assert.match(conflict.error!.message, /Deployment\/web\/web/);
    assert.match(conflict.error!.message, /kubectl-edit/);
    assert.match(conflict.error!.message, /\.spec\.replicas/);
    assert.equal((await live('apps/v1', deployment('web', 'web')))?.spec?.['replicas' as never], 1);
    const forced = await fx.engine.sync({ repo: remote(), app: 'web', env: 'dev' });
    assertSucceeded(forced);
    assert.equal(forced.changeSet.changes.find((c) => c.key.kind === 'Deployment')?.message, 'took .spec.replicas from kubectl-edit');
    assert.equal((await live('apps/v1', deployment('web', 'web')))?.spec?.['replicas' as never], 3);
  });

  test('objects another app manages are never adopted', async () => {
    // prod deploys web to dev's namespace of this one cluster (the example gives it web-prod): its objects belong to web/dev
    await repo.commit({ 'capstan.yaml': repo.read('capstan.yaml').replace('namespace: web-prod', 'namespace: web') }, 'web: prod in the namespace of dev');
    const result = await fx.engine.sync({ repo: remote(), app: 'web', env: 'prod' });
    assert.equal(result.result, 'Failed');
    assert.match(result.error!.message, /web\/dev/);
    assert.equal((await live('apps/v1', deployment('web', 'web')))?.metadata.annotations?.['capstan.dev/owner'], 'web/dev');
  });

  test('delete removes everything the app owns and records it', async () => {
    const result = await fx.engine.delete({ repo: remote(), app: 'shop', env: 'dev' });
    assertSucceeded(result);
    assert.deepEqual(result.changeSet.changes.map((c) => c.action).filter((a) => a !== 'deleted'), []);
    assert.equal(result.counts.deleted, 5);
    for (const name of ['cart', 'checkout', 'catalog']) assert.equal(await live('apps/v1', deployment('shop', name)), undefined);
    const history = (await fx.engine.history(await fx.engine.open(remote()), 'shop', 'dev'));
    assert.equal(history.history.at(-1)?.operation, 'delete');
    assert.deepEqual(history.objects, []);
  });
});
