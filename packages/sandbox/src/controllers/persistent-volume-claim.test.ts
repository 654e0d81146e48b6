import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { field, startTestCluster, type TestCluster } from './test-cluster.ts';

describe('PersistentVolumeClaim controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  test('provisions a volume, binds the claim, and deletes the volume with the claim', async () => {
    cluster = await startTestCluster();
    await cluster.create({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'data', namespace: 'default' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'standard' },
    });
    const claim = await cluster.until('Bound', () => {
      const c = cluster.get('v1', 'PersistentVolumeClaim', 'data');
      return field(c, 'status.phase') === 'Bound' ? c : undefined;
    });
    assert.deepEqual(field(claim, 'status.capacity'), { storage: '2Gi' });
    assert.deepEqual(field(claim, 'status.accessModes'), ['ReadWriteOnce']);
    const volumeName = `pvc-${claim.metadata.uid}`;
    const volume = cluster.api.store.get('persistentvolumes', undefined, volumeName);
    assert.ok(volume);
    assert.equal(field(volume, 'status.phase'), 'Bound');
    assert.equal(field(volume, 'spec.claimRef.name'), 'data');
    assert.equal(field(volume, 'spec.storageClassName'), 'standard');
    if (field(claim, 'spec.volumeName') !== undefined) assert.equal(field(claim, 'spec.volumeName'), volumeName);

    await cluster.remove('v1', 'PersistentVolumeClaim', 'data');
    await cluster.until('volume reclaimed', () => (cluster.api.store.get('persistentvolumes', undefined, volumeName) ? undefined : true));
  });
});
