import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { field, startTestCluster, type TestCluster } from './test-cluster.ts';

describe('load balancer and ingress controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  test('publishes an address for Services of type LoadBalancer and for Ingresses, not for ClusterIP Services', async () => {
    cluster = await startTestCluster();
    const port = { port: 80, targetPort: 8080, protocol: 'TCP' };
    await cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'public', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'a' }, ports: [port] } });
    await cluster.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'internal', namespace: 'default' }, spec: { selector: { app: 'a' }, ports: [port] } });
    await cluster.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: 'web', namespace: 'default' },
      spec: { rules: [{ http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'internal', port: { number: 80 } } } }] } }] },
    });
    await cluster.until('load balancer address', () => field(cluster.get('v1', 'Service', 'public'), 'status.loadBalancer.ingress'));
    const ingress = await cluster.until('ingress address', () => field(cluster.get('networking.k8s.io/v1', 'Ingress', 'web'), 'status.loadBalancer.ingress'));
    assert.deepEqual(ingress, [{ ip: '127.0.0.1' }]);
    await cluster.controllers.idle();
    assert.equal(field(cluster.get('v1', 'Service', 'internal'), 'status.loadBalancer.ingress'), undefined);
  });
});
