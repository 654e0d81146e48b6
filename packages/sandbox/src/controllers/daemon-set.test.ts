import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { daemonSet, field, startTestCluster, type TestCluster } from './test-cluster.ts';

const apps = 'apps/v1';

describe('DaemonSet controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  const rolledOut = () =>
    cluster.until('DaemonSet rolled out', () => {
      const ds = cluster.get(apps, 'DaemonSet', 'agent');
      const s = (ds?.status ?? {}) as Record<string, number>;
      return ds && s.observedGeneration >= (ds.metadata.generation ?? 0) && s.updatedNumberScheduled === s.desiredNumberScheduled && s.numberAvailable === s.desiredNumberScheduled
        ? ds
        : undefined;
    });

  test('runs one pod on the node and reports it', async () => {
    cluster = await startTestCluster();
    await cluster.create(daemonSet());
    const ds = await rolledOut();
    assert.deepEqual(ds.status, {
      currentNumberScheduled: 1,
      desiredNumberScheduled: 1,
      numberMisscheduled: 0,
      numberReady: 1,
      observedGeneration: 1,
      updatedNumberScheduled: 1,
      numberAvailable: 1,
    });
    const pods = cluster.list('v1', 'Pod');
    assert.equal(pods.length, 1);
    assert.match(String(pods[0].metadata.name), /^agent-[a-z0-9]{5}$/);
    assert.equal(pods[0].metadata.labels?.['pod-template-generation'], '1');
    assert.ok(pods[0].metadata.labels?.['controller-revision-hash']);
    assert.deepEqual(field(pods[0], 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms'), [
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['sandbox-node'] }] },
    ]);
    assert.equal(field(pods[0], 'spec.nodeName'), 'sandbox-node');
  });

  test('a template change replaces the pod', async () => {
    cluster = await startTestCluster();
    await cluster.create(daemonSet());
    await rolledOut();
    const [before] = cluster.list('v1', 'Pod');
    await cluster.modify(apps, 'DaemonSet', 'agent', (ds) => {
      (field(ds, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    await cluster.until('new pod', () => {
      const pods = cluster.list('v1', 'Pod');
      return pods.length === 1 && pods[0].metadata.uid !== before.metadata.uid ? true : undefined;
    });
    const ds = await rolledOut();
    assert.equal(field(ds, 'status.observedGeneration'), 2);
    assert.equal(cluster.list('v1', 'Pod')[0].metadata.labels?.['pod-template-generation'], '2');
    assert.equal(cluster.list(apps, 'ControllerRevision').length, 2);
  });

  test('a node selector that does not match the node schedules nothing', async () => {
    cluster = await startTestCluster();
    await cluster.create(daemonSet({ podSpec: { nodeSelector: { gpu: 'true' } } }));
    const ds = await cluster.until('status', () => {
      const o = cluster.get(apps, 'DaemonSet', 'agent');
      return field(o, 'status.observedGeneration') === 1 ? o : undefined;
    });
    assert.equal(field(ds, 'status.desiredNumberScheduled'), 0);
    assert.equal(cluster.list('v1', 'Pod').length, 0);
  });
});
