import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../types.ts';
import { deployment, field, startTestCluster, type TestCluster } from './test-cluster.ts';

function service(selector: Record<string, string> | undefined): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { ...(selector ? { selector } : {}), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  };
}

describe('endpoints controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  test('lists the ready pods of a Service, resolving named target ports', async () => {
    cluster = await startTestCluster({ podReadyDelayMs: 60 });
    await cluster.create(service({ app: 'web' }));
    const d = deployment({ replicas: 2 });
    (field(d, 'spec.template.spec.containers') as Record<string, unknown>[])[0].ports = [{ name: 'http', containerPort: 8080 }];
    await cluster.create(d);
    const notReady = await cluster.until('not-ready addresses', () => {
      const ep = cluster.get('v1', 'Endpoints', 'web');
      const subsets = field(ep, 'subsets') as Record<string, unknown[]>[] | undefined;
      return subsets?.[0]?.notReadyAddresses?.length === 2 ? ep : undefined;
    });
    assert.deepEqual(notReady.metadata.labels, { app: 'web' });
    const ep = await cluster.until('two ready addresses', () => {
      const o = cluster.get('v1', 'Endpoints', 'web');
      const subsets = field(o, 'subsets') as Record<string, unknown[]>[] | undefined;
      return subsets?.length === 1 && subsets[0].addresses?.length === 2 && !subsets[0].notReadyAddresses ? o : undefined;
    });
    const [subset] = field(ep, 'subsets') as { addresses: Record<string, unknown>[]; ports: unknown[] }[];
    assert.deepEqual(subset.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    const pods = cluster.list('v1', 'Pod');
    assert.deepEqual(subset.addresses.map((a) => a.ip).sort(), pods.map((p) => field(p, 'status.podIP')).sort());
    assert.equal(subset.addresses[0].nodeName, 'sandbox-node');
    assert.equal((subset.addresses[0].targetRef as Record<string, unknown>).kind, 'Pod');
    assert.ok(ep.metadata.managedFields?.some((m) => m.manager === 'endpoint-controller'));

    await cluster.remove('v1', 'Service', 'web');
    await cluster.until('Endpoints removed with the Service', () => (cluster.get('v1', 'Endpoints', 'web') ? undefined : true));
  });

  test('leaves Services without a selector alone', async () => {
    cluster = await startTestCluster();
    await cluster.create(service(undefined));
    await cluster.controllers.idle();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cluster.get('v1', 'Endpoints', 'web'), undefined);
  });
});
