import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../types.ts';
import { formatIndexes, parseIndexes } from './job.ts';
import { field, job, startTestCluster, type TestCluster } from './test-cluster.ts';

const batch = 'batch/v1';

function condition(object: KubeObject | undefined, type: string): Record<string, unknown> | undefined {
  return (field(object, 'status.conditions') as Record<string, unknown>[] | undefined)?.find((c) => c.type === type);
}

describe('Job controller', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  const finished = (name: string, type: 'Complete' | 'Failed') =>
    cluster.until(`Job ${name} ${type}`, () => {
      const j = cluster.get(batch, 'Job', name);
      return condition(j, type)?.status === 'True' ? j : undefined;
    });

  test('a Job runs its pod to completion', async () => {
    cluster = await startTestCluster();
    await cluster.create(job({ name: 'once' }));
    const j = await finished('once', 'Complete');
    const status = j.status as Record<string, unknown>;
    assert.equal(status.succeeded, 1);
    assert.equal(status.active, undefined);
    assert.equal(status.failed, undefined);
    assert.equal(status.ready, 0);
    assert.deepEqual(status.uncountedTerminatedPods, {});
    assert.match(String(status.startTime), /Z$/);
    assert.match(String(status.completionTime), /Z$/);
    assert.deepEqual(
      (status.conditions as Record<string, unknown>[]).map((c) => [c.type, c.status, c.reason, c.message]),
      [
        ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
        ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ],
    );
    const pods = cluster.list('v1', 'Pod');
    assert.equal(pods.length, 1);
    assert.equal(field(pods[0], 'status.phase'), 'Succeeded');
    assert.match(String(pods[0].metadata.name), /^once-[a-z0-9]{5}$/);
    assert.equal(pods[0].metadata.labels?.['batch.kubernetes.io/job-name'], 'once');
    assert.equal(pods[0].metadata.ownerReferences?.[0].kind, 'Job');
  });

  test('completions and parallelism bound the pods that run', async () => {
    cluster = await startTestCluster({ podReadyDelayMs: 30 });
    let maxActive = 0;
    const unsubscribe = cluster.api.store.subscribe((event) => {
      if (event.resource !== 'pods') return;
      maxActive = Math.max(maxActive, cluster.list('v1', 'Pod').filter((p) => !['Succeeded', 'Failed'].includes(String(field(p, 'status.phase')))).length);
    });
    await cluster.create(job({ name: 'batch', spec: { completions: 5, parallelism: 2 } }));
    const j = await finished('batch', 'Complete');
    unsubscribe();
    assert.equal(field(j, 'status.succeeded'), 5);
    assert.equal(maxActive, 2);
    assert.equal(cluster.list('v1', 'Pod').length, 5);
  });

  test('failures beyond backoffLimit fail the Job', async () => {
    cluster = await startTestCluster();
    await cluster.create(job({ name: 'doomed', image: 'busybox:crashloop', spec: { backoffLimit: 2 } }));
    const j = await finished('doomed', 'Failed');
    assert.equal(field(j, 'status.failed'), 3);
    assert.equal(condition(j, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(condition(j, 'Failed')?.message, 'Job has reached the specified backoff limit');
    assert.equal(condition(j, 'FailureTarget')?.status, 'True');
    assert.equal(condition(j, 'Complete'), undefined);
    assert.equal(cluster.list('v1', 'Pod').length, 3);
  });

  test('restarts of an OnFailure pod count toward the backoff limit', async () => {
    cluster = await startTestCluster({ crashLoopRestartIntervalMs: 20 });
    await cluster.create(job({ name: 'flaky', image: 'busybox:crashloop', spec: { backoffLimit: 2 }, podSpec: { restartPolicy: 'OnFailure' } }));
    const j = await finished('flaky', 'Failed');
    assert.equal(condition(j, 'Failed')?.reason, 'BackoffLimitExceeded');
    assert.equal(cluster.list('v1', 'Pod').filter((p) => field(p, 'status.phase') === 'Running').length, 0);
  });

  test('an Indexed Job runs one pod per index and records completed indexes', async () => {
    cluster = await startTestCluster();
    await cluster.create(job({ name: 'shards', spec: { completions: 3, parallelism: 3, completionMode: 'Indexed' } }));
    const j = await finished('shards', 'Complete');
    assert.equal(field(j, 'status.completedIndexes'), '0-2');
    assert.equal(field(j, 'status.succeeded'), 3);
    const indexes = cluster
      .list('v1', 'Pod')
      .map((p) => p.metadata.annotations?.['batch.kubernetes.io/job-completion-index'])
      .sort();
    assert.deepEqual(indexes, ['0', '1', '2']);
    const first = cluster.list('v1', 'Pod').find((p) => p.metadata.labels?.['batch.kubernetes.io/job-completion-index'] === '0');
    assert.equal(field(first, 'spec.hostname'), 'shards-0');
  });

  test('a suspended Job runs nothing until resumed', async () => {
    cluster = await startTestCluster();
    await cluster.create(job({ name: 'later', spec: { suspend: true } }));
    const suspended = await cluster.until('Suspended', () => {
      const j = cluster.get(batch, 'Job', 'later');
      return condition(j, 'Suspended')?.status === 'True' ? j : undefined;
    });
    assert.equal(condition(suspended, 'Suspended')?.reason, 'JobSuspended');
    assert.equal(cluster.list('v1', 'Pod').length, 0);
    await cluster.modify(batch, 'Job', 'later', (j) => {
      (j.spec as Record<string, unknown>).suspend = false;
    });
    const done = await finished('later', 'Complete');
    assert.equal(condition(done, 'Suspended')?.status, 'False');
    assert.equal(condition(done, 'Suspended')?.reason, 'JobResumed');
  });

  test('a finished Job with ttlSecondsAfterFinished is deleted with its pods', async () => {
    cluster = await startTestCluster();
    await cluster.create(job({ name: 'ephemeral', spec: { ttlSecondsAfterFinished: 0 } }));
    await cluster.until('Job and pods gone', () => (cluster.get(batch, 'Job', 'ephemeral') === undefined && cluster.list('v1', 'Pod').length === 0 ? true : undefined));
  });

  test('completed indexes are parsed and formatted as Kubernetes writes them', () => {
    assert.equal(formatIndexes([4, 0, 1, 2, 7, 8]), '0-2,4,7-8');
    assert.deepEqual([...parseIndexes('0-2,4,7-8')], [0, 1, 2, 4, 7, 8]);
    assert.equal(formatIndexes([]), '');
  });
});
