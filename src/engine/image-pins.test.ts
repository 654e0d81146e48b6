// The image-hash state repo as teams write it, on a sandbox: a folder per namespace with its own
// images_path and a <service>.deployment pin per service sets the image of a Deployment that exists,
// as `kubectl set image` does, and capstan owns nothing else of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { commit, makeRepo } from '../source/testing.ts';
import { startEngineFixture, type EngineFixture } from './testing.ts';

const project = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: development
  - name: production
apps:
  - name: services
    type: pins
    environments:
      development: { source: state/development }
      production: { source: state/production }
`;
const apiHash = '3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39';
const files = {
  'capstan.yaml': project,
  'state/development/images_path': 'registry.example.com/team/development\n',
  'state/development/api.deployment': `${apiHash}\n`,
  'state/development/worker.deployment': 'abc1234\n',
  'state/production/images_path': 'registry.example.com/team/production\n',
  'state/production/api.deployment': '1111111\n',
};

/** A Deployment as a team's own tooling made it: another field manager, a sidecar, labels, replicas. */
function teamDeployment(name: string, namespace: string): Manifest {
  const labels = { app: name, team: 'shop' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            { name, image: `registry.example.com/team/${namespace}/${name}:0000000`, env: [{ name: 'MODE', value: 'live' }] },
            { name: 'proxy', image: 'envoyproxy/envoy:v1.30.0' },
          ],
        },
      },
    },
  };
}

async function deployment(fx: EngineFixture, namespace: string, name: string): Promise<Manifest> {
  const live = await fx.client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace, name });
  assert.ok(live, `Deployment ${namespace}/${name} exists`);
  return live;
}

type Containers = { name: string; image: string; env?: unknown[] }[];
const containersOf = (d: Manifest): Containers => (d.spec as { template: { spec: { containers: Containers } } }).template.spec.containers;

test('a .deployment pin sets only the image of the existing Deployment; removing the pin leaves it', async (t) => {
  const fx = await startEngineFixture();
  t.after(() => fx.stop());
  const { dir } = await makeRepo(files);
  for (const ns of ['development', 'production']) await fx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }, { fieldManager: 'kubectl' });
  for (const [ns, name] of [['development', 'api'], ['development', 'worker'], ['production', 'api']] as const) {
    await fx.client.apply(teamDeployment(name, ns), { fieldManager: 'kubectl' });
  }

  const result = await fx.engine.sync({ repo: { url: dir }, app: 'services', env: 'development' });
  assert.equal(result.result, 'Succeeded', result.error?.message);
  const api = await deployment(fx, 'development', 'api');
  assert.deepEqual(containersOf(api).map((c) => c.image), [`registry.example.com/team/development/api:${apiHash}`, 'envoyproxy/envoy:v1.30.0']);
  assert.deepEqual(containersOf(api)[0]!.env, [{ name: 'MODE', value: 'live' }], 'the rest of the container is left as it was');
  assert.equal((api.spec as { replicas: number }).replicas, 3);
  assert.deepEqual(api.metadata.labels, { app: 'api', team: 'shop' }, 'no capstan labels');
  assert.equal(api.metadata.annotations?.['capstan.dev/owner'], undefined, 'no owner annotation');
  assert.equal(api.metadata.annotations?.['capstan.dev/patch-existing'], undefined, 'the marker is not applied');
  // capstan's field manager holds the image and nothing else of the object
  const capstanFields = JSON.stringify((api.metadata.managedFields as { manager: string; fieldsV1: unknown }[]).filter((f) => f.manager === 'capstan').map((f) => f.fieldsV1));
  assert.match(capstanFields, /"f:image"/);
  assert.doesNotMatch(capstanFields, /f:replicas|f:labels|f:annotations|f:env|f:selector/);
  const worker = await deployment(fx, 'development', 'worker');
  assert.equal(containersOf(worker)[0]!.image, 'registry.example.com/team/development/worker:abc1234');
  const prod = await deployment(fx, 'production', 'api');
  assert.equal(containersOf(prod)[0]!.image, 'registry.example.com/team/production/api:0000000', 'production is another app environment: untouched');

  // the same commit again: nothing to write
  const again = await fx.engine.sync({ repo: { url: dir }, app: 'services', env: 'development' });
  assert.equal(again.result, 'Succeeded', again.error?.message);
  assert.deepEqual(again.changeSet.changes.filter((c) => c.action !== 'unchanged').map((c) => c.action), []);

  // a new hash is a new image; a removed pin leaves the Deployment running, never deleted
  await commit(dir, { 'state/development/api.deployment': 'feedbee\n', 'state/development/worker.deployment': null }, 'pin api, drop worker');
  const next = await fx.engine.sync({ repo: { url: dir }, app: 'services', env: 'development' });
  assert.equal(next.result, 'Succeeded', next.error?.message);
  assert.equal(containersOf(await deployment(fx, 'development', 'api'))[0]!.image, 'registry.example.com/team/development/api:feedbee');
  assert.equal(containersOf(await deployment(fx, 'development', 'worker'))[0]!.image, 'registry.example.com/team/development/worker:abc1234');
  const skipped = next.changeSet.changes.find((c) => c.key.name === 'worker');
  assert.equal(skipped?.action, 'skipped');
  assert.match(skipped?.message ?? '', /only set fields of it \(capstan\.dev\/patch-existing\)/);
});

test('a pin of a Deployment that does not exist fails naming it, and nothing is applied', async (t) => {
  const fx = await startEngineFixture();
  t.after(() => fx.stop());
  const { dir } = await makeRepo(files);
  await fx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'development' } }, { fieldManager: 'kubectl' });
  await fx.client.apply(teamDeployment('api', 'development'), { fieldManager: 'kubectl' });

  const result = await fx.engine.sync({ repo: { url: dir }, app: 'services', env: 'development' });
  assert.equal(result.result, 'Failed');
  assert.match(result.error?.message ?? '', /nothing was applied:\nDeployment\/development\/worker does not exist: capstan only sets fields of it/);
  assert.equal(await fx.client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'development', name: 'worker' }), undefined, 'never created');
  const api = await deployment(fx, 'development', 'api');
  assert.equal(containersOf(api)[0]!.image, 'registry.example.com/team/development/api:0000000', 'validated all before changing anything');
});

test('a pin cannot reach outside the app\'s namespaces: a kube-system folder is refused before any write', async (t) => {
  const fx = await startEngineFixture();
  t.after(() => fx.stop());
  const { dir } = await makeRepo({
    ...files,
    'state/development/kube-system/images_path': 'evil.example.com/x\n',
    'state/development/kube-system/coredns.deployment': 'abc1234\n',
  });
  await fx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'development' } }, { fieldManager: 'kubectl' });
  for (const name of ['api', 'worker']) await fx.client.apply(teamDeployment(name, 'development'), { fieldManager: 'kubectl' });
  await fx.client.apply(teamDeployment('coredns', 'kube-system'), { fieldManager: 'kubectl' });

  const result = await fx.engine.sync({ repo: { url: dir }, app: 'services', env: 'development' });
  assert.equal(result.result, 'Failed');
  assert.match(result.error?.message ?? '', /Deployment\/kube-system\/coredns/);
  assert.match(result.error?.message ?? '', /kube-system/);
  assert.equal(containersOf(await deployment(fx, 'kube-system', 'coredns'))[0]!.image, 'registry.example.com/team/kube-system/coredns:0000000');
  assert.equal(containersOf(await deployment(fx, 'development', 'api'))[0]!.image, 'registry.example.com/team/development/api:0000000');
});
