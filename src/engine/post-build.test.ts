// Flux's postBuild on a sandbox: substituteFrom reads the target cluster's ConfigMaps and Secrets at
// each render, and a Secret's value stays out of the diff.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeRepo } from '../source/testing.ts';
import { startEngineFixture } from './testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
  - name: web
    source: apps/web
    targetNamespace: web
    createNamespace: true
    postBuild:
      substitute: { greeting: hello }
      substituteFrom:
        - { kind: ConfigMap, name: cluster-vars }
        - { kind: Secret, name: cluster-secrets }
`;
const files = {
  'capstan.yaml': project,
  'apps/web/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  text: "${greeting} from ${region}"\n',
  'apps/web/db.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: "${db_password}"\n',
};
const password = 'pw-Nobody-Should-See';

test('postBuild.substituteFrom reads the cluster at each render; a Secret value never reaches the diff', async (t) => {
  const fx = await startEngineFixture();
  t.after(() => fx.stop());
  const { dir } = await makeRepo(files);
  const vars = (region: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-vars', namespace: 'web' }, data: { region } });
  await fx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
  await fx.client.apply(vars('eu-west-1'));
  await fx.client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'cluster-secrets', namespace: 'web' }, data: { db_password: Buffer.from(password).toString('base64') } });

  const checkout = await fx.engine.open({ url: dir });
  const plan = await fx.engine.plan(checkout, 'web', 'dev');
  assert.equal(plan.error, undefined, plan.error?.message);
  const shown = JSON.stringify(plan.diffs);
  assert.ok(!shown.includes(password), 'the Secret value is masked in the diff');
  const result = await fx.engine.sync({ repo: { url: dir }, app: 'web', env: 'dev' });
  assert.equal(result.result, 'Succeeded', result.error?.message);
  const settings = await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'web', name: 'settings' });
  assert.deepEqual(settings?.data, { text: 'hello from eu-west-1' });
  const db = await fx.client.get('v1', { group: '', kind: 'Secret', namespace: 'web', name: 'db' });
  assert.equal(Buffer.from(String((db?.data as Record<string, string>).password), 'base64').toString(), password);

  // the same commit renders again with the cluster's new value: such a render is not cached
  await fx.client.apply(vars('us-east-2'));
  const again = await fx.engine.sync({ repo: { url: dir }, app: 'web', env: 'dev' });
  assert.equal(again.result, 'Succeeded', again.error?.message);
  const updated = await fx.client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'web', name: 'settings' });
  assert.deepEqual(updated?.data, { text: 'hello from us-east-2' });
});
