// Kubernetes Events written to a sandbox over HTTPS, through the same client as a real cluster.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { kubectl, kubectlSkip, tempDir, writeTemp } from '@capstan/sandbox/testing';
import type { Manifest } from '../core/index.ts';
import { createKubeClient, type HttpKubeClient } from '../kube/index.ts';
import { KubeEventRecorder, countsText } from './index.ts';
import { recordingLogger } from './notify-testing.ts';

describe('Kubernetes Events', () => {
  let sandbox: Sandbox;
  let client: HttpKubeClient;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'events-test', podReadyDelayMs: 10 });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
    for (const name of ['capstan-system', 'web']) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await client.apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'capstan.web.dev', namespace: 'capstan-system' }, data: { 'inventory.json': '{}' } });
  });
  after(async () => {
    client.close();
    await sandbox.stop();
  });

  const events = async (namespace: string): Promise<Manifest[]> => (await client.list('v1', 'Event', { namespace })).items;

  test('sync results on the inventory: SyncSucceeded with the revision and counts, SyncFailed with the first line; a repeat is counted', async () => {
    let now = new Date('2024-05-01T12:00:00.000Z');
    const recorder = new KubeEventRecorder({ clientFor: async () => client, instance: 'agent-0', now: () => now });
    const revision = 'abcdef0123456789abcdef0123456789abcdef01';
    recorder.recordSync({ app: 'web', env: 'dev', inventory: 'capstan.web.dev', revision, result: 'Succeeded', counts: { created: 2, configured: 1, unchanged: 3, deleted: 0 } });
    recorder.recordSync({ app: 'web', env: 'dev', inventory: 'capstan.web.dev', revision, result: 'Failed', counts: {}, message: 'Deployment/web/web apply failed: spec.replicas: Invalid value\nsecond line' });
    now = new Date('2024-05-01T12:01:00.000Z');
    recorder.recordSync({ app: 'web', env: 'dev', inventory: 'capstan.web.dev', revision, result: 'Failed', counts: {}, message: 'Deployment/web/web apply failed: spec.replicas: Invalid value\nthird line' });
    await recorder.idle();
    const inventory = await client.get('v1', { group: '', kind: 'ConfigMap', namespace: 'capstan-system', name: 'capstan.web.dev' });
    const found = (await events('capstan-system')).sort((a, b) => String(a.reason).localeCompare(String(b.reason)));
    assert.deepEqual(
      found.map((e) => [e.type, e.reason, e.message, e.count, e.firstTimestamp, e.lastTimestamp]),
      [
        ['Warning', 'SyncFailed', 'sync of web to abcdef012345 failed: Deployment/web/web apply failed: spec.replicas: Invalid value', 2, '2024-05-01T12:00:00Z', '2024-05-01T12:01:00Z'],
        ['Normal', 'SyncSucceeded', 'synced web to abcdef012345: 2 created, 1 configured, 3 unchanged', 1, '2024-05-01T12:00:00Z', '2024-05-01T12:00:00Z'],
      ],
    );
    for (const e of found) {
      assert.deepEqual(e.involvedObject, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'capstan-system', name: 'capstan.web.dev', uid: inventory!.metadata.uid });
      assert.deepEqual([e.source, e.reportingComponent, e.reportingInstance], [{ component: 'capstan', host: 'agent-0' }, 'capstan', 'agent-0']);
      assert.equal(e.metadata.annotations?.['capstan.dev/revision'], revision);
    }
  });

  test('a crash on its Pod, in the Pod\'s namespace', async () => {
    const pod = await client.apply({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'web' }, spec: { containers: [{ name: 'web', image: 'busybox:crashloop' }] } });
    const recorder = new KubeEventRecorder({ clientFor: async () => client });
    recorder.recordCrash({ app: 'web', env: 'dev', pod, container: 'web', reason: 'CrashLoopBackOff', restartCount: 3, release: { service: 'web', artifact: 'a-1', author: 'dev@example.com' } });
    await recorder.idle();
    const [crash] = await events('web');
    assert.deepEqual([crash.type, crash.reason, crash.message], ['Warning', 'Crashed', 'container web of app web is crash-looping (CrashLoopBackOff), 3 restarts (artifact a-1 by dev@example.com)']);
    assert.deepEqual(crash.involvedObject, { apiVersion: 'v1', kind: 'Pod', namespace: 'web', name: 'web-1', uid: pod.metadata.uid });
  });

  test('kubectl get events -A shows them, as it shows the events of Argo CD and Flux', { skip: kubectlSkip }, async () => {
    const kubeconfig = writeTemp(tempDir('capstan-events-'), 'kubeconfig', sandbox.kubeconfig);
    const out = await kubectl(kubeconfig, ['get', 'events', '-A']);
    assert.equal(out.code, 0, out.stderr);
    const rows = out.stdout.split('\n').map((line) => line.trim().split(/\s+/));
    const find = (reason: string): string[] | undefined => rows.find((row) => row.includes(reason));
    assert.deepEqual(find('SyncFailed')?.slice(0, 1), ['capstan-system']);
    assert.ok(find('SyncFailed')?.includes('configmap/capstan.web.dev'));
    assert.ok(find('SyncSucceeded')?.includes('Normal'));
    assert.ok(find('Crashed')?.includes('pod/web-1') && find('Crashed')?.includes('Warning'));
  });

  test('a failure to record is logged, never thrown', async () => {
    const log = recordingLogger();
    const recorder = new KubeEventRecorder({ clientFor: async () => client, logger: log });
    recorder.record({ regarding: { apiVersion: 'v1', kind: 'Pod', namespace: 'missing-namespace', name: 'x' }, type: 'Normal', reason: 'Test', message: 'x' });
    await recorder.idle();
    assert.equal(log.lines.length, 1);
    assert.match(JSON.parse(log.lines[0]).msg, /^event Test on Pod\/missing-namespace\/x could not be recorded: /);
  });

  test('counts read as people say them', () => {
    assert.equal(countsText({ created: 0, configured: 0, unchanged: 4 }), 'nothing changed (4 unchanged)');
    assert.equal(countsText({ deleted: 1 }), '1 deleted');
  });
});
