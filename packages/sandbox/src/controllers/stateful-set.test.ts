import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../types.ts';
import { field, startTestCluster, statefulSet, type TestCluster } from './test-cluster.ts';

const apps = 'apps/v1';

function isReady(p: KubeObject | undefined): boolean {
  return ((field(p, 'status.conditions') as { type: string; status: string }[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

describe('StatefulSet controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  const settled = (name = 'db') =>
    cluster.until(`StatefulSet ${name} rolled out`, () => {
      const s = cluster.get(apps, 'StatefulSet', name);
      const st = (s?.status ?? {}) as Record<string, unknown>;
      const replicas = Number(field(s, 'spec.replicas'));
      return s &&
        Number(st.observedGeneration) >= (s.metadata.generation ?? 0) &&
        Number(st.readyReplicas ?? 0) === replicas &&
        Number(st.updatedReplicas ?? 0) === replicas &&
        st.currentRevision === st.updateRevision
        ? s
        : undefined;
    });

  test('OrderedReady creates pods one at a time, each after the previous is Ready', async () => {
    cluster = await startTestCluster({ podReadyDelayMs: 30 });
    const created: string[] = [];
    let violation = '';
    const unsubscribe = cluster.api.store.subscribe((event) => {
      if (event.resource !== 'pods' || event.type !== 'ADDED') return;
      const name = String(event.object.metadata.name);
      const ordinal = Number(name.split('-').at(-1));
      for (let i = 0; i < ordinal; i++) if (!isReady(cluster.get('v1', 'Pod', `db-${i}`))) violation = `${name} created before db-${i} was Ready`;
      created.push(name);
    });
    await cluster.create(statefulSet({ replicas: 3 }));
    const s = await settled();
    unsubscribe();
    assert.equal(violation, '');
    assert.deepEqual(created, ['db-0', 'db-1', 'db-2']);
    const revision = String(field(s, 'status.updateRevision'));
    assert.match(revision, /^db-[a-z0-9]+$/);
    assert.deepEqual(
      { ...(s.status as Record<string, unknown>) },
      { observedGeneration: 1, replicas: 3, readyReplicas: 3, currentReplicas: 3, updatedReplicas: 3, availableReplicas: 3, currentRevision: revision, updateRevision: revision, collisionCount: 0 },
    );
    const p1 = cluster.get('v1', 'Pod', 'db-1');
    assert.equal(p1?.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-1');
    assert.equal(p1?.metadata.labels?.['controller-revision-hash'], revision);
    assert.equal(p1?.metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
    assert.equal(field(p1, 'spec.hostname'), 'db-1');
    assert.equal(field(p1, 'spec.subdomain'), 'db');
    const revisions = cluster.list(apps, 'ControllerRevision');
    assert.equal(revisions.length, 1);
    assert.equal(revisions[0].metadata.name, revision);
    assert.equal(revisions[0].revision, 1);
  });

  test('Parallel creates every pod at once', async () => {
    cluster = await startTestCluster({ podReadyDelayMs: 200 });
    await cluster.create(statefulSet({ replicas: 3, spec: { podManagementPolicy: 'Parallel' } }));
    const pods = await cluster.until('three pods before any is ready', () => {
      const list = cluster.list('v1', 'Pod');
      return list.length === 3 ? list : undefined;
    });
    assert.ok(pods.every((p) => !isReady(p)));
    await settled();
  });

  test('a template change rolls pods from the highest ordinal down, and scaling down removes the highest', async () => {
    cluster = await startTestCluster();
    await cluster.create(statefulSet({ replicas: 3 }));
    const before = await settled();
    const deletions: string[] = [];
    const unsubscribe = cluster.api.store.subscribe((event) => {
      if (event.resource === 'pods' && event.type === 'DELETED') deletions.push(String(event.object.metadata.name));
    });
    await cluster.modify(apps, 'StatefulSet', 'db', (s) => {
      (field(s, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    const after = await cluster.until('new revision everywhere', () => {
      const s = cluster.get(apps, 'StatefulSet', 'db');
      return s && field(s, 'status.updateRevision') !== field(before, 'status.updateRevision') && field(s, 'status.currentRevision') === field(s, 'status.updateRevision') && field(s, 'status.readyReplicas') === 3 ? s : undefined;
    });
    unsubscribe();
    assert.deepEqual(deletions, ['db-2', 'db-1', 'db-0']);
    for (const name of ['db-0', 'db-1', 'db-2']) {
      const p = cluster.get('v1', 'Pod', name);
      assert.equal((field(p, 'spec.containers') as { image: string }[])[0].image, 'nginx:1.28');
      assert.equal(p?.metadata.labels?.['controller-revision-hash'], field(after, 'status.updateRevision'));
    }
    assert.deepEqual(cluster.list(apps, 'ControllerRevision').map((r) => r.revision).sort(), [1, 2]);

    await cluster.modify(apps, 'StatefulSet', 'db', (s) => {
      (s.spec as Record<string, unknown>).replicas = 1;
    });
    await cluster.until('one pod left', () => (cluster.list('v1', 'Pod').length === 1 ? true : undefined));
    assert.ok(cluster.get('v1', 'Pod', 'db-0'));
    await settled();
  });

  test('a partition keeps lower ordinals on the current revision', async () => {
    cluster = await startTestCluster();
    await cluster.create(statefulSet({ replicas: 3, spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 2 } } } }));
    const before = await settled();
    await cluster.modify(apps, 'StatefulSet', 'db', (s) => {
      (field(s, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    const s = await cluster.until('partitioned rollout', () => {
      const o = cluster.get(apps, 'StatefulSet', 'db');
      return field(o, 'status.updatedReplicas') === 1 && field(o, 'status.readyReplicas') === 3 ? o : undefined;
    });
    assert.equal(field(s, 'status.currentRevision'), field(before, 'status.currentRevision'));
    assert.equal(field(s, 'status.currentReplicas'), 2);
    assert.equal((field(cluster.get('v1', 'Pod', 'db-0'), 'spec.containers') as { image: string }[])[0].image, 'nginx:1.27');
    assert.equal((field(cluster.get('v1', 'Pod', 'db-2'), 'spec.containers') as { image: string }[])[0].image, 'nginx:1.28');
  });

  test('volumeClaimTemplates give each ordinal its own bound claim', async () => {
    cluster = await startTestCluster();
    await cluster.create(
      statefulSet({
        replicas: 2,
        spec: { volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] },
      }),
    );
    await settled();
    const claims = await cluster.until('bound claims', () => {
      const list = cluster.list('v1', 'PersistentVolumeClaim');
      return list.length === 2 && list.every((c) => field(c, 'status.phase') === 'Bound') ? list : undefined;
    });
    assert.deepEqual(claims.map((c) => c.metadata.name).sort(), ['data-db-0', 'data-db-1']);
    assert.deepEqual(field(claims[0], 'status.capacity'), { storage: '1Gi' });
    assert.deepEqual(field(claims[0], 'status.accessModes'), ['ReadWriteOnce']);
    const volumes = (field(cluster.get('v1', 'Pod', 'db-1'), 'spec.volumes') as Record<string, unknown>[]) ?? [];
    assert.deepEqual(volumes.find((v) => v.name === 'data')?.persistentVolumeClaim, { claimName: 'data-db-1' });
  });
});
