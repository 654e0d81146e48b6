import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { KubeObject } from '../types.ts';
import { backOffSeconds, resolveImage } from './kubelet.ts';
import { podLogs } from './pod-logs.ts';
import { field, pod, startTestCluster, type TestCluster } from './test-cluster.ts';

type Status = Record<string, unknown>;

function containerStatus(p: KubeObject | undefined, name = 'app', list = 'containerStatuses'): Status | undefined {
  return (field(p, `status.${list}`) as Status[] | undefined)?.find((s) => s.name === name);
}

function conditions(p: KubeObject | undefined): Record<string, string> {
  return Object.fromEntries(((field(p, 'status.conditions') as Status[] | undefined) ?? []).map((c) => [String(c.type), String(c.status)]));
}

describe('kubelet', () => {
  let cluster: TestCluster;
  afterEach(async () => {
    await cluster?.stop();
    assert.deepEqual(cluster.errors, []);
  });

  const running = (name: string) =>
    cluster.until(`pod ${name} Running and Ready`, () => {
      const p = cluster.get('v1', 'Pod', name);
      return field(p, 'status.phase') === 'Running' && conditions(p).Ready === 'True' ? p : undefined;
    });

  test('registers a Ready node', async () => {
    cluster = await startTestCluster();
    const node = await cluster.until('node', () => {
      const n = cluster.get('v1', 'Node', 'sandbox-node');
      return conditions(n).Ready === 'True' ? n : undefined;
    });
    assert.equal(node.metadata.labels?.['kubernetes.io/hostname'], 'sandbox-node');
    assert.equal(node.metadata.labels?.['kubernetes.io/os'], 'linux');
    assert.equal(field(node, 'status.nodeInfo.kubeletVersion'), 'v1.32.0');
    assert.equal(field(node, 'status.capacity.pods'), '110');
  });

  test('a pod is scheduled, then becomes Running and Ready after the delay', async () => {
    cluster = await startTestCluster({ podReadyDelayMs: 150 });
    await cluster.create(pod({ name: 'web' }));
    const creating = await cluster.until('ContainerCreating', () => {
      const p = cluster.get('v1', 'Pod', 'web');
      return (containerStatus(p)?.state as Status | undefined)?.waiting ? p : undefined;
    });
    assert.equal(field(creating, 'spec.nodeName'), 'sandbox-node');
    assert.equal(field(creating, 'status.phase'), 'Pending');
    assert.deepEqual(containerStatus(creating)?.state, { waiting: { reason: 'ContainerCreating' } });
    assert.equal(conditions(creating).Ready, 'False');
    assert.equal(conditions(creating).PodScheduled, 'True');

    const p = await running('web');
    assert.deepEqual(conditions(p), { PodReadyToStartContainers: 'True', Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    assert.deepEqual(
      ((field(p, 'status.conditions') as Status[]) ?? []).map((c) => c.type),
      ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'],
    );
    const status = containerStatus(p) as Status;
    assert.equal(status.ready, true);
    assert.equal(status.started, true);
    assert.equal(status.restartCount, 0);
    assert.equal(status.image, 'docker.io/library/nginx:1.27');
    assert.match(String(status.imageID), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.match(String(status.containerID), /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(String((status.state as { running: { startedAt: string } }).running.startedAt), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(field(p, 'status.hostIP'), '172.18.0.2');
    assert.match(String(field(p, 'status.podIP')), /^10\.244\.0\.\d+$/);
    assert.deepEqual(field(p, 'status.podIPs'), [{ ip: field(p, 'status.podIP') }]);
    assert.equal(field(p, 'status.qosClass'), 'BestEffort');
    assert.match(String(field(p, 'status.startTime')), /Z$/);
    assert.ok(p.metadata.managedFields?.some((m) => m.manager === 'kubelet' && m.subresource === 'status'));
    assert.equal(podLogs(p, 'app').split('\n')[0].endsWith('sandbox: starting container "app" of pod default/web (image nginx:1.27)'), true);
  });

  test('changing the image of a running pod restarts its container', async () => {
    cluster = await startTestCluster();
    await cluster.create(pod({ name: 'web' }));
    const before = await running('web');
    await cluster.modify('v1', 'Pod', 'web', (p) => {
      (field(p, 'spec.containers') as { image: string }[])[0].image = 'nginx:1.28';
    });
    const after = await cluster.until('restarted on the new image', () => {
      const p = cluster.get('v1', 'Pod', 'web');
      return containerStatus(p)?.image === 'docker.io/library/nginx:1.28' ? p : undefined;
    });
    assert.equal(containerStatus(after)?.restartCount, 1);
    assert.notEqual(containerStatus(after)?.containerID, containerStatus(before)?.containerID);
    assert.equal(((containerStatus(after)?.lastState as { terminated: Status }).terminated).containerID, containerStatus(before)?.containerID);
    assert.equal(containerStatus(after)?.ready, true);
  });

  test('pods get distinct IPs', async () => {
    cluster = await startTestCluster();
    for (const name of ['a', 'b', 'c']) await cluster.create(pod({ name }));
    const ips = await Promise.all(['a', 'b', 'c'].map(async (name) => field(await running(name), 'status.podIP')));
    assert.equal(new Set(ips).size, 3);
  });

  test('a crashloop image reaches CrashLoopBackOff with a rising restart count', async () => {
    cluster = await startTestCluster({ crashLoopRestartIntervalMs: 40 });
    await cluster.create(pod({ name: 'broken', image: 'busybox:crashloop' }));
    const first = await cluster.until('CrashLoopBackOff', () => {
      const p = cluster.get('v1', 'Pod', 'broken');
      return (containerStatus(p)?.state as { waiting?: { reason?: string } } | undefined)?.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
    });
    const status = containerStatus(first) as Status;
    assert.equal(field(first, 'status.phase'), 'Running');
    assert.equal(conditions(first).Ready, 'False');
    assert.equal(status.ready, false);
    assert.equal(status.started, false);
    const uid = first.metadata.uid;
    const seconds = backOffSeconds(Number(status.restartCount));
    const backOff = seconds >= 60 ? `${Math.floor(seconds / 60)}m${seconds % 60}s` : `${seconds}s`;
    assert.equal((status.state as { waiting: { message: string } }).waiting.message, `back-off ${backOff} restarting failed container=app pod=broken_default(${uid})`);
    assert.deepEqual(Object.keys((status.lastState as { terminated: Status }).terminated).sort(), ['containerID', 'exitCode', 'finishedAt', 'reason', 'startedAt']);
    assert.equal((status.lastState as { terminated: Status }).terminated.exitCode, 1);
    assert.equal((status.lastState as { terminated: Status }).terminated.reason, 'Error');
    assert.ok(Number(status.restartCount) >= 1);
    const later = await cluster.until('restartCount rising', () => {
      const p = cluster.get('v1', 'Pod', 'broken');
      return Number(containerStatus(p)?.restartCount) >= Number(status.restartCount) + 2 ? p : undefined;
    });
    assert.match(String((containerStatus(later)?.state as { waiting: { message: string } }).waiting.message), /^back-off \d+(s|m\d+s) restarting failed container=app pod=broken_default\(/);
    const logs = podLogs(later, 'app').trimEnd().split('\n');
    assert.equal(logs.at(-1), 'panic: sandbox: container "app" was asked to crash (exit code 1)');
  });

  test('the crash annotation picks containers by name', async () => {
    cluster = await startTestCluster();
    await cluster.create({
      ...pod({ name: 'two', annotations: { 'sandbox.capstan.dev/crash': 'sidecar' } }),
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1.27' },
          { name: 'sidecar', image: 'envoy:1.30' },
        ],
      },
    });
    const p = await cluster.until('sidecar crash-looping', () => {
      const o = cluster.get('v1', 'Pod', 'two');
      return (containerStatus(o, 'sidecar')?.state as { waiting?: { reason?: string } } | undefined)?.waiting?.reason === 'CrashLoopBackOff' ? o : undefined;
    });
    assert.equal(containerStatus(p, 'app')?.ready, true);
    assert.equal(conditions(p).Ready, 'False');
    assert.equal((field(p, 'status.conditions') as Status[]).find((c) => c.type === 'Ready')?.message, 'containers with unready status: [sidecar]');
    assert.deepEqual(
      (field(p, 'status.containerStatuses') as Status[]).map((s) => s.name),
      ['app', 'sidecar'],
    );
  });

  test('a pod that does not restart runs, then Succeeds with a Completed container', async () => {
    cluster = await startTestCluster({ podReadyDelayMs: 40 });
    await cluster.create(pod({ name: 'once', podSpec: { restartPolicy: 'Never' } }));
    await running('once');
    const done = await cluster.until('Succeeded', () => {
      const p = cluster.get('v1', 'Pod', 'once');
      return field(p, 'status.phase') === 'Succeeded' ? p : undefined;
    });
    const terminated = (containerStatus(done)?.state as { terminated: Status }).terminated;
    assert.equal(terminated.exitCode, 0);
    assert.equal(terminated.reason, 'Completed');
    assert.equal(conditions(done).Ready, 'False');
    assert.equal((field(done, 'status.conditions') as Status[]).find((c) => c.type === 'Ready')?.reason, 'PodCompleted');
    assert.match(podLogs(done, 'app'), /completed successfully \(exit code 0\)\n$/);
  });

  test('a crashing pod that does not restart Fails', async () => {
    cluster = await startTestCluster();
    await cluster.create(pod({ name: 'oops', image: 'busybox:crashloop', podSpec: { restartPolicy: 'Never' } }));
    const failed = await cluster.until('Failed', () => {
      const p = cluster.get('v1', 'Pod', 'oops');
      return field(p, 'status.phase') === 'Failed' ? p : undefined;
    });
    const terminated = (containerStatus(failed)?.state as { terminated: Status }).terminated;
    assert.equal(terminated.exitCode, 1);
    assert.equal(terminated.reason, 'Error');
  });

  test('init containers complete before the app container starts; a crashing one blocks it', async () => {
    cluster = await startTestCluster();
    await cluster.create({ ...pod({ name: 'init' }), spec: { initContainers: [{ name: 'setup', image: 'busybox:1.36' }], containers: [{ name: 'app', image: 'nginx:1.27' }] } });
    const p = await running('init');
    assert.equal(((containerStatus(p, 'setup', 'initContainerStatuses')?.state as { terminated: Status }).terminated).reason, 'Completed');

    await cluster.create({ ...pod({ name: 'stuck' }), spec: { initContainers: [{ name: 'setup', image: 'busybox:crashloop' }], containers: [{ name: 'app', image: 'nginx:1.27' }] } });
    const stuck = await cluster.until('init crash loop', () => {
      const o = cluster.get('v1', 'Pod', 'stuck');
      return (containerStatus(o, 'setup', 'initContainerStatuses')?.state as { waiting?: { reason?: string } } | undefined)?.waiting?.reason === 'CrashLoopBackOff' ? o : undefined;
    });
    assert.equal(field(stuck, 'status.phase'), 'Pending');
    assert.equal(conditions(stuck).Initialized, 'False');
    assert.deepEqual(containerStatus(stuck)?.state, { waiting: { reason: 'PodInitializing' } });
  });

  test('a pod whose node selector matches no node stays Pending and Unschedulable', async () => {
    cluster = await startTestCluster();
    await cluster.create(pod({ name: 'picky', podSpec: { nodeSelector: { disktype: 'ssd' } } }));
    const p = await cluster.until('Unschedulable', () => {
      const o = cluster.get('v1', 'Pod', 'picky');
      return (field(o, 'status.conditions') as Status[] | undefined)?.find((c) => c.reason === 'Unschedulable') ? o : undefined;
    });
    assert.equal(field(p, 'spec.nodeName'), undefined);
    assert.equal(field(p, 'status.phase'), 'Pending');
  });

  test('resolveImage normalises references as containerd reports them', () => {
    assert.equal(resolveImage('nginx').image, 'docker.io/library/nginx:latest');
    assert.equal(resolveImage('bitnami/redis:7').image, 'docker.io/bitnami/redis:7');
    assert.equal(resolveImage('ghcr.io/acme/api:1.2.3').image, 'ghcr.io/acme/api:1.2.3');
    assert.equal(resolveImage('localhost:5000/app').image, 'localhost:5000/app:latest');
    const digest = `sha256:${'a'.repeat(64)}`;
    assert.deepEqual(resolveImage(`nginx@${digest}`), { image: `docker.io/library/nginx@${digest}`, imageID: `docker.io/library/nginx@${digest}` });
    assert.equal(resolveImage('nginx:1.27').imageID, resolveImage('nginx:1.27').imageID);
  });

  test('back-off doubles from 10s up to 5m', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(backOffSeconds), [10, 20, 40, 80, 160, 300, 300]);
  });

  test('podLogs is empty before a container starts and names the container otherwise', () => {
    const waiting: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'ns' },
      spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }] }] },
      status: { containerStatuses: [{ name: 'app', state: { waiting: { reason: 'ContainerCreating' } } }] },
    };
    assert.equal(podLogs(waiting, 'app'), '');
    assert.equal(podLogs(waiting, 'nope'), '');
    const started = { ...waiting, status: { containerStatuses: [{ name: 'app', state: { running: { startedAt: '2025-01-01T00:00:00Z' } } }] } };
    assert.equal(
      podLogs(started, 'app'),
      [
        '2025-01-01T00:00:00Z sandbox: starting container "app" of pod ns/p (image nginx:1.27)',
        '2025-01-01T00:00:00Z sandbox: listening on 80/TCP (http)',
        '2025-01-01T00:00:00Z sandbox: container "app" is ready',
        '',
      ].join('\n'),
    );
    assert.equal(podLogs(started, 'app'), podLogs(structuredClone(started), 'app'));
  });
});
