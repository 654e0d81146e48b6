import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../types.ts';
import { resolveFenceposts } from './deployment.ts';
import { deployment, field, startTestCluster, type TestCluster } from './test-cluster.ts';

const apps = 'apps/v1';

function condition(object: KubeObject | undefined, type: string): Record<string, unknown> | undefined {
  return (field(object, 'status.conditions') as Record<string, unknown>[] | undefined)?.find((c) => c.type === type);
}

function ownedPods(cluster: TestCluster, app: string): KubeObject[] {
  return cluster.list('v1', 'Pod').filter((p) => p.metadata.labels?.app === app && !['Succeeded', 'Failed'].includes(String(field(p, 'status.phase'))));
}

function replicaSets(cluster: TestCluster): KubeObject[] {
  return cluster.list(apps, 'ReplicaSet');
}

/** Resolves once `kubectl rollout status` would say "successfully rolled out". */
function rolledOut(cluster: TestCluster, name = 'web'): Promise<KubeObject> {
  return cluster.until(`Deployment ${name} rolled out`, () => {
    const d = cluster.get(apps, 'Deployment', name);
    const s = (d?.status ?? {}) as Record<string, number | undefined>;
    const replicas = Number(field(d, 'spec.replicas'));
    const done =
      d !== undefined &&
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      (s.updatedReplicas ?? 0) === replicas &&
      (s.replicas ?? 0) === (s.updatedReplicas ?? 0) &&
      (s.availableReplicas ?? 0) === (s.updatedReplicas ?? 0);
    return done ? d : undefined;
  });
}

describe('Deployment controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  test('a Deployment of 3 replicas gets one ReplicaSet and 3 ready pods, and reports itself available', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 3 }));
    const d = await rolledOut(cluster);
    assert.equal(field(d, 'status.availableReplicas'), 3);
    assert.equal(field(d, 'status.readyReplicas'), 3);
    assert.equal(field(d, 'status.unavailableReplicas'), undefined);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.deepEqual(condition(d, 'Available')?.reason, 'MinimumReplicasAvailable');
    assert.equal(condition(d, 'Available')?.message, 'Deployment has minimum availability.');

    const sets = replicaSets(cluster);
    assert.equal(sets.length, 1);
    const rs = sets[0];
    const hash = rs.metadata.labels?.['pod-template-hash'];
    assert.match(String(hash), /^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.deepEqual(field(rs, 'spec.selector.matchLabels'), { app: 'web', 'pod-template-hash': hash });
    assert.equal((field(rs, 'spec.template.metadata.labels') as Record<string, string>)['pod-template-hash'], hash);
    assert.deepEqual(rs.metadata.ownerReferences, [{ apiVersion: apps, kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
    assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
    assert.equal(condition(d, 'Progressing')?.message, `ReplicaSet "web-${hash}" has successfully progressed.`);
    assert.deepEqual(field(rs, 'status'), { replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });

    const pods = ownedPods(cluster, 'web');
    assert.equal(pods.length, 3);
    for (const p of pods) {
      assert.match(String(p.metadata.name), new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      assert.equal(p.metadata.ownerReferences?.[0].uid, rs.metadata.uid);
      assert.equal(field(p, 'status.phase'), 'Running');
    }
    // the controllers' writes carry their own field managers
    assert.ok(d.metadata.managedFields?.some((m) => m.manager === 'deployment-controller' && m.subresource === 'status'));
    assert.ok(rs.metadata.managedFields?.some((m) => m.manager === 'deployment-controller'));
    // the same template always hashes the same
    const again = await startTestCluster();
    await again.create(deployment({ replicas: 1 }));
    await rolledOut(again);
    assert.equal(replicaSets(again)[0].metadata.labels?.['pod-template-hash'], hash);
    await again.stop();
  });

  test('a new image rolls to a new ReplicaSet within maxSurge and maxUnavailable, and the old one scales to 0', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 4, spec: { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } } }));
    await rolledOut(cluster);
    const [first] = replicaSets(cluster);

    let maxPods = 0;
    let minReady = Infinity;
    const unsubscribe = cluster.api.store.subscribe((event) => {
      if (event.resource !== 'pods') return;
      const pods = ownedPods(cluster, 'web');
      maxPods = Math.max(maxPods, pods.length);
      minReady = Math.min(minReady, pods.filter((p) => (field(p, 'status.conditions') as { type: string; status: string }[] | undefined)?.some((c) => c.type === 'Ready' && c.status === 'True')).length);
    });
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      (field(d, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    const d = await rolledOut(cluster);
    unsubscribe();

    assert.ok(maxPods <= 5, `at most replicas + maxSurge pods, saw ${maxPods}`);
    assert.ok(minReady >= 4, `maxUnavailable 0 keeps 4 ready pods, saw ${minReady}`);
    const sets = replicaSets(cluster);
    assert.equal(sets.length, 2);
    const old = sets.find((rs) => rs.metadata.uid === first.metadata.uid);
    const current = sets.find((rs) => rs.metadata.uid !== first.metadata.uid);
    assert.equal(field(old, 'spec.replicas'), 0);
    assert.equal(field(current, 'spec.replicas'), 4);
    assert.equal(current?.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
    const pods = ownedPods(cluster, 'web');
    assert.equal(pods.length, 4);
    assert.ok(pods.every((p) => p.metadata.ownerReferences?.[0].uid === current?.metadata.uid));
    assert.ok(pods.every((p) => (field(p, 'spec.containers') as { image: string }[])[0].image === 'nginx:1.28'));
  });

  test('the default 25% surge never runs more than replicas + 1 pods for 4 replicas', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 4 }));
    await rolledOut(cluster);
    let maxPods = 0;
    const unsubscribe = cluster.api.store.subscribe((event) => {
      if (event.resource === 'pods') maxPods = Math.max(maxPods, ownedPods(cluster, 'web').length);
    });
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      (field(d, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    await rolledOut(cluster);
    unsubscribe();
    assert.ok(maxPods <= 5, `saw ${maxPods} pods`);
  });

  test('scaling down removes pods and keeps one ReplicaSet', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 3 }));
    await rolledOut(cluster);
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      (d.spec as Record<string, unknown>).replicas = 1;
    });
    const d = await rolledOut(cluster);
    assert.equal(field(d, 'status.replicas'), 1);
    assert.equal(ownedPods(cluster, 'web').length, 1);
    const sets = replicaSets(cluster);
    assert.equal(sets.length, 1);
    assert.equal(field(sets[0], 'spec.replicas'), 1);
    assert.equal(sets[0].metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '1');
    // and up again
    await cluster.modify(apps, 'Deployment', 'web', (o) => {
      (o.spec as Record<string, unknown>).replicas = 5;
    });
    await rolledOut(cluster);
    assert.equal(ownedPods(cluster, 'web').length, 5);
  });

  test('Recreate removes every old pod before the new ReplicaSet starts', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 3, spec: { strategy: { type: 'Recreate' } } }));
    await rolledOut(cluster);
    const [first] = replicaSets(cluster);
    let overlap = false;
    const unsubscribe = cluster.api.store.subscribe((event) => {
      if (event.resource !== 'pods') return;
      const owners = new Set(ownedPods(cluster, 'web').map((p) => p.metadata.ownerReferences?.[0].uid));
      if (owners.size > 1) overlap = true;
    });
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      (field(d, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    await rolledOut(cluster);
    unsubscribe();
    assert.equal(overlap, false);
    assert.equal(field(cluster.get(apps, 'ReplicaSet', String(first.metadata.name)), 'spec.replicas'), 0);
    assert.equal(ownedPods(cluster, 'web').length, 3);
  });

  test('a paused Deployment does not roll out until resumed', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 2 }));
    await rolledOut(cluster);
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      (d.spec as Record<string, unknown>).paused = true;
      (field(d, 'spec.template.spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    const paused = await cluster.until('paused condition', () => {
      const d = cluster.get(apps, 'Deployment', 'web');
      return condition(d, 'Progressing')?.reason === 'DeploymentPaused' ? d : undefined;
    });
    assert.equal(condition(paused, 'Progressing')?.status, 'Unknown');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(replicaSets(cluster).length, 1);
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      (d.spec as Record<string, unknown>).paused = false;
    });
    await cluster.until('second ReplicaSet', () => (replicaSets(cluster).length === 2 ? true : undefined));
    const d = await rolledOut(cluster);
    assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  });

  test('going back to an earlier template reuses its ReplicaSet as the newest revision', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 2 }));
    await rolledOut(cluster);
    const [first] = replicaSets(cluster);
    const setImage = (image: string) =>
      cluster.modify(apps, 'Deployment', 'web', (d) => {
        (field(d, 'spec.template.spec.containers') as { image: string }[])[0].image = image;
      });
    await setImage('nginx:1.28');
    await cluster.until('revision 2', () => (cluster.get(apps, 'Deployment', 'web')?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2' ? true : undefined));
    await rolledOut(cluster);
    // as `kubectl rollout undo` does: the old ReplicaSet's template, with Go's `creationTimestamp: null`
    await cluster.modify(apps, 'Deployment', 'web', (d) => {
      const template = structuredClone(field(first, 'spec.template')) as { metadata: Record<string, unknown> };
      delete (template.metadata.labels as Record<string, string>)['pod-template-hash'];
      template.metadata.creationTimestamp = null;
      (d.spec as Record<string, unknown>).template = template;
    });
    await cluster.until('revision 3', () => (cluster.get(apps, 'Deployment', 'web')?.metadata.annotations?.['deployment.kubernetes.io/revision'] === '3' ? true : undefined));
    await rolledOut(cluster);
    const reused = cluster.get(apps, 'ReplicaSet', String(first.metadata.name));
    assert.equal(field(reused, 'spec.replicas'), 2);
    assert.equal(reused?.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused?.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(replicaSets(cluster).length, 2);
  });

  test('old ReplicaSets beyond revisionHistoryLimit are deleted', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 1, spec: { revisionHistoryLimit: 1 } }));
    await rolledOut(cluster);
    for (const image of ['nginx:1.28', 'nginx:1.29', 'nginx:1.30']) {
      await cluster.modify(apps, 'Deployment', 'web', (d) => {
        (field(d, 'spec.template.spec.containers') as { image: string }[])[0].image = image;
      });
      await cluster.until(`rollout to ${image}`, () => (ownedPods(cluster, 'web').some((p) => (field(p, 'spec.containers') as { image: string }[])[0].image === image) ? true : undefined));
      await rolledOut(cluster);
    }
    await cluster.until('history trimmed to one old ReplicaSet', () => (replicaSets(cluster).length === 2 ? true : undefined));
    const revisions = replicaSets(cluster).map((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
  });

  test('a crash-looping rollout is unavailable and exceeds its progress deadline', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 2, image: 'busybox:crashloop', spec: { progressDeadlineSeconds: 1 } }));
    const unavailable = await cluster.until('Available=False', () => {
      const d = cluster.get(apps, 'Deployment', 'web');
      return condition(d, 'Available')?.status === 'False' && field(d, 'status.unavailableReplicas') === 2 ? d : undefined;
    });
    assert.equal(condition(unavailable, 'Available')?.reason, 'MinimumReplicasUnavailable');
    assert.equal(condition(unavailable, 'Available')?.message, 'Deployment does not have minimum availability.');
    const timedOut = await cluster.until(
      'ProgressDeadlineExceeded',
      () => {
        const d = cluster.get(apps, 'Deployment', 'web');
        return condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded' ? d : undefined;
      },
      8000,
    );
    assert.equal(condition(timedOut, 'Progressing')?.status, 'False');
    assert.match(String(condition(timedOut, 'Progressing')?.message), /^ReplicaSet "web-[a-z0-9]+" has timed out progressing\.$/);
  });

  test('deleting a Deployment garbage-collects its ReplicaSets and pods', async () => {
    cluster = await startTestCluster();
    await cluster.create(deployment({ replicas: 2 }));
    await rolledOut(cluster);
    await cluster.remove(apps, 'Deployment', 'web');
    await cluster.until('ReplicaSets and pods gone', () => (replicaSets(cluster).length === 0 && cluster.list('v1', 'Pod').length === 0 ? true : undefined));
  });

  test('deleting a namespace takes its workloads with it, without the controllers fighting back', async () => {
    cluster = await startTestCluster();
    await cluster.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    await cluster.create(deployment({ namespace: 'doomed', replicas: 2 }));
    await cluster.until('pods running', () => (cluster.list('v1', 'Pod', 'doomed').filter((p) => field(p, 'status.phase') === 'Running').length === 2 ? true : undefined));
    await cluster.api.delete(cluster.api.type('v1', 'Namespace'), undefined, 'doomed');
    await cluster.until('namespace gone', () => (cluster.api.store.get('namespaces', undefined, 'doomed') ? undefined : true));
    assert.equal(cluster.list('v1', 'Pod', 'doomed').length, 0);
  });

  test('resolveFenceposts rounds surge up and unavailability down, never both zero', () => {
    assert.deepEqual(resolveFenceposts('25%', '25%', 3), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 4), { surge: 1, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('50%', '50%', 5), { surge: 3, unavailable: 2 });
    assert.deepEqual(resolveFenceposts(0, 0, 5), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts(2, '10%', 10), { surge: 2, unavailable: 1 });
  });
});
