import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { withApplyDefaults } from './apply-defaults.ts';

const podSpec = () => ({
  containers: [{ name: 'app', image: 'a', ports: [{ containerPort: 80 }, { containerPort: 53, protocol: 'UDP' }] }],
  initContainers: [{ name: 'init', image: 'b', ports: [{ containerPort: 9000, protocol: '' }] }],
  ephemeralContainers: [{ name: 'debug', image: 'c', ports: [{ containerPort: 7000 }] }],
});

function protocols(spec: unknown): string[] {
  const s = spec as Record<string, { ports?: { protocol?: string }[] }[]>;
  return ['containers', 'initContainers', 'ephemeralContainers'].flatMap((list) => (s[list] ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.protocol ?? '<none>')));
}

describe('withApplyDefaults', () => {
  const cases: [string, Manifest, (m: Manifest) => unknown][] = [
    ['Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: podSpec() }, (m) => m.spec],
    ['PodTemplate', { apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'p' }, template: { spec: podSpec() } }, (m) => (m.template as { spec: unknown }).spec],
    ...(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] as const).map(
      (kind): [string, Manifest, (m: Manifest) => unknown] => [kind, { apiVersion: 'apps/v1', kind, metadata: { name: 'w' }, spec: { template: { spec: podSpec() } } }, (m) => (m.spec as { template: { spec: unknown } }).template.spec],
    ),
    ['ReplicationController', { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'w' }, spec: { template: { spec: podSpec() } } }, (m) => (m.spec as { template: { spec: unknown } }).template.spec],
    ['Job', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { template: { spec: podSpec() } } }, (m) => (m.spec as { template: { spec: unknown } }).template.spec],
    [
      'CronJob',
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: podSpec() } } } } },
      (m) => (m.spec as { jobTemplate: { spec: { template: { spec: unknown } } } }).jobTemplate.spec.template.spec,
    ],
  ];
  for (const [name, manifest, specOf] of cases) {
    test(`${name}: every container, init and ephemeral container port gets TCP when it has no protocol`, () => {
      const before = JSON.stringify(manifest);
      const out = withApplyDefaults(manifest);
      assert.deepEqual(protocols(specOf(out)), ['TCP', 'UDP', 'TCP', 'TCP']);
      assert.equal(JSON.stringify(manifest), before, 'the input is not mutated');
    });
  }

  test('Service ports get TCP; an explicit protocol is kept', () => {
    const service: Manifest = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP' }] } };
    const out = withApplyDefaults(service);
    assert.deepEqual((out.spec as { ports: { protocol: string }[] }).ports.map((p) => p.protocol), ['TCP', 'UDP']);
    assert.equal((service.spec as { ports: { protocol?: string }[] }).ports[0].protocol, undefined);
  });

  test('objects that need nothing are returned as they are, without a copy', () => {
    const complete: Manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 1, protocol: 'TCP' }] }] } } } };
    assert.equal(withApplyDefaults(complete), complete);
    const configMap: Manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { ports: 'x' } };
    assert.equal(withApplyDefaults(configMap), configMap);
    // a custom resource that happens to be called Deployment is not a built-in workload
    const custom: Manifest = { apiVersion: 'example.com/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: [{ name: 'a', ports: [{ containerPort: 1 }] }] } } } };
    assert.equal(withApplyDefaults(custom), custom);
    // malformed shapes are the server's to reject, not ours to crash on
    const odd: Manifest = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers: 'nope' } } } };
    assert.equal(withApplyDefaults(odd), odd);
  });
});
