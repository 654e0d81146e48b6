import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../types.ts';
import { compareForDeletion } from './replica-set.ts';
import { field, pod, startTestCluster, type TestCluster } from './test-cluster.ts';

const apps = 'apps/v1';

function replicaSet(replicas: number, image = 'nginx:1.27'): KubeObject {
  return {
    apiVersion: apps,
    kind: 'ReplicaSet',
    metadata: { name: 'front', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: { app: 'front' } }, template: { metadata: { labels: { app: 'front', tier: 'web' } }, spec: { containers: [{ name: 'app', image }] } } },
  };
}

function testPod(name: string, status: Record<string, unknown>, nodeName = 'sandbox-node', created = '2025-01-01T00:00:00Z'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, creationTimestamp: created }, spec: { nodeName }, status };
}

const ready = (since: string) => ({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: since }] });

describe('ReplicaSet controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  const settled = (replicas: number) =>
    cluster.until(`${replicas} available`, () => {
      const rs = cluster.get(apps, 'ReplicaSet', 'front');
      const s = (rs?.status ?? {}) as Record<string, number>;
      return rs && s.replicas === replicas && (s.availableReplicas ?? 0) === replicas && s.observedGeneration === rs.metadata.generation ? rs : undefined;
    });

  test('creates pods from its template and reports them', async () => {
    cluster = await startTestCluster();
    await cluster.create(replicaSet(2));
    const rs = await settled(2);
    assert.deepEqual(rs.status, { replicas: 2, fullyLabeledReplicas: 2, readyReplicas: 2, availableReplicas: 2, observedGeneration: 1 });
    const pods = cluster.list('v1', 'Pod');
    assert.equal(pods.length, 2);
    for (const p of pods) {
      assert.match(String(p.metadata.name), /^front-[a-z0-9]{5}$/);
      assert.equal(p.metadata.generateName, 'front-');
      assert.deepEqual(p.metadata.labels, { app: 'front', tier: 'web' });
      assert.deepEqual(p.metadata.ownerReferences, [{ apiVersion: apps, kind: 'ReplicaSet', name: 'front', uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    }
  });

  test('replaces a deleted pod and scales down to zero', async () => {
    cluster = await startTestCluster();
    await cluster.create(replicaSet(2));
    await settled(2);
    const [victim] = cluster.list('v1', 'Pod');
    await cluster.remove('v1', 'Pod', String(victim.metadata.name));
    await cluster.until('replacement', () => {
      const pods = cluster.list('v1', 'Pod');
      return pods.length === 2 && pods.every((p) => p.metadata.uid !== victim.metadata.uid) ? true : undefined;
    });
    await settled(2);
    await cluster.modify(apps, 'ReplicaSet', 'front', (rs) => {
      (rs.spec as Record<string, unknown>).replicas = 0;
    });
    const rs = await cluster.until('scaled to zero', () => {
      const o = cluster.get(apps, 'ReplicaSet', 'front');
      return field(o, 'status.replicas') === 0 && field(o, 'status.observedGeneration') === 2 ? o : undefined;
    });
    assert.deepEqual(rs.status, { replicas: 0, observedGeneration: 2 });
    assert.equal(cluster.list('v1', 'Pod').length, 0);
  });

  test('adopts an orphan pod its selector matches', async () => {
    cluster = await startTestCluster();
    await cluster.create(pod({ name: 'stray', labels: { app: 'front' } }));
    await cluster.create(replicaSet(1));
    const rs = await settled(1);
    const pods = cluster.list('v1', 'Pod');
    assert.equal(pods.length, 1);
    assert.equal(pods[0].metadata.name, 'stray');
    assert.equal(pods[0].metadata.ownerReferences?.[0].uid, rs.metadata.uid);
    assert.equal(field(rs, 'status.fullyLabeledReplicas'), undefined, 'the orphan lacks the template label tier=web');
  });

  test('minReadySeconds delays availability', async () => {
    cluster = await startTestCluster();
    const rs = replicaSet(1);
    (rs.spec as Record<string, unknown>).minReadySeconds = 1;
    await cluster.create(rs);
    const ready = await cluster.until('ready but not available', () => {
      const o = cluster.get(apps, 'ReplicaSet', 'front');
      return field(o, 'status.readyReplicas') === 1 ? o : undefined;
    });
    assert.equal(field(ready, 'status.availableReplicas'), undefined);
    await cluster.until('available a second after ready', () => (field(cluster.get(apps, 'ReplicaSet', 'front'), 'status.availableReplicas') === 1 ? true : undefined));
  });

  test('scale-down victims: unscheduled, pending, not ready, ready the shortest, newest', () => {
    const unscheduled = testPod('unscheduled', { phase: 'Pending' }, '');
    const pending = testPod('pending', { phase: 'Pending' });
    const notReady = testPod('not-ready', { phase: 'Running' });
    const readyLately = testPod('ready-lately', ready('2025-01-01T00:10:00Z'));
    const readyLongOld = testPod('ready-long-old', ready('2025-01-01T00:01:00Z'), 'sandbox-node', '2025-01-01T00:00:00Z');
    const readyLongNew = testPod('ready-long-new', ready('2025-01-01T00:01:00Z'), 'sandbox-node', '2025-01-01T00:00:30Z');
    const sorted = [readyLongOld, readyLongNew, readyLately, notReady, pending, unscheduled].sort(compareForDeletion).map((p) => p.metadata.name);
    assert.deepEqual(sorted, ['unscheduled', 'pending', 'not-ready', 'ready-lately', 'ready-long-new', 'ready-long-old']);
  });
});
