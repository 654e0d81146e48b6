import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeClient, ResourceInfo } from '../kube/index.ts';
import { capabilitiesMaxAgeMs, clusterCapabilities, kubeVersionOf } from './cluster-capabilities.ts';

function fakeClient(resources: ResourceInfo[]): KubeClient & { invalidations: number } {
  const client = {
    invalidations: 0,
    serverVersion: async () => ({ major: 1, minor: 29, gitVersion: 'v1.29.3-eks-adc7111' }),
    resources: async () => resources,
    invalidateDiscovery: () => void client.invalidations++,
  };
  return client as unknown as KubeClient & { invalidations: number };
}

const info = (group: string, version: string, kind: string): ResourceInfo => ({ group, version, kind, resource: `${kind.toLowerCase()}s`, namespaced: true, verbs: ['get'], subresources: [] });

test('capabilities: the version without its vendor suffix, every group/version and group/version/Kind, sorted once each', async () => {
  const client = fakeClient([info('', 'v1', 'Pod'), info('', 'v1', 'ConfigMap'), info('apps', 'v1', 'Deployment'), info('monitoring.coreos.com', 'v1', 'ServiceMonitor')]);
  assert.deepEqual(await clusterCapabilities(client, 0), {
    kubeVersion: 'v1.29.3',
    apiVersions: ['apps/v1', 'apps/v1/Deployment', 'monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor', 'v1', 'v1/ConfigMap', 'v1/Pod'],
  });
  assert.equal(kubeVersionOf({ major: 1, minor: 30, gitVersion: '' }), 'v1.30.0', 'no gitVersion: major and minor');
});

test('discovery older than capabilitiesMaxAgeMs is read again (a CRD another tool installed), once per period', async () => {
  const client = fakeClient([info('', 'v1', 'Pod')]);
  await clusterCapabilities(client, 1_000);
  await clusterCapabilities(client, 1_000 + capabilitiesMaxAgeMs);
  assert.equal(client.invalidations, 0, 'within the period: cached discovery');
  await clusterCapabilities(client, 1_001 + capabilitiesMaxAgeMs);
  assert.equal(client.invalidations, 1);
  await clusterCapabilities(client, 2_000 + capabilitiesMaxAgeMs);
  assert.equal(client.invalidations, 1, 'the period starts again');
});
