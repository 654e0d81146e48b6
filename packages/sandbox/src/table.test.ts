import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evalJsonPath, humanDuration, tableColumns, toTable, toTableRows, type Table } from './table.ts';
import type { KubeObject, PrinterColumn } from './types.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

/** An RFC 3339 timestamp `seconds` before NOW. */
function ago(seconds: number): string {
  return new Date(NOW.getTime() - seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function object(apiVersion: string, kind: string, name: string, fields: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'shop', creationTimestamp: ago(300), resourceVersion: '42', ...meta }, ...fields };
}

function builtin(group: string, kind: string): { group: string; kind: string; custom: false } {
  return { group, kind, custom: false };
}

function custom(printerColumns?: PrinterColumn[]): { group: string; kind: string; custom: true; printerColumns?: PrinterColumn[] } {
  return { group: 'example.com', kind: 'Widget', custom: true, printerColumns };
}

/** Column names as kubectl prints them in headers. */
function headers(type: Parameters<typeof tableColumns>[0], wide = false): string {
  return tableColumns(type)
    .filter((c) => wide || c.priority === 0)
    .map((c) => c.name.toUpperCase())
    .join(' | ');
}

function cells(type: Parameters<typeof toTableRows>[0], obj: KubeObject): unknown[] {
  return toTableRows(type, [obj], { includeObject: 'None', now: NOW })[0].cells;
}

describe('humanDuration', () => {
  test('follows duration.HumanDuration', () => {
    const cases: [number, string][] = [
      [-2, '<invalid>'], [-1, '0s'], [0, '0s'], [5, '5s'], [119, '119s'], [120, '2m'], [182, '3m2s'], [599, '9m59s'],
      [600, '10m'], [10_799, '179m'], [10_800, '3h'], [5 * 3600 + 240, '5h4m'], [8 * 3600, '8h'], [47 * 3600, '47h'],
      [51 * 3600, '2d3h'], [7 * 86_400, '7d'], [8 * 86_400, '8d'], [729 * 86_400, '729d'], [800 * 86_400, '2y70d'], [3 * 365 * 86_400, '3y'],
      [9 * 365 * 86_400, '9y'],
    ];
    for (const [s, want] of cases) assert.equal(humanDuration(s * 1000), want, `${s}s`);
    assert.equal(humanDuration(-1500), '0s', 'within the tolerated clock skew');
  });
});

describe('toTable', () => {
  test('is a meta.k8s.io/v1 Table with column definitions, list metadata and PartialObjectMetadata rows', () => {
    const cm = object('v1', 'ConfigMap', 'web-config', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } });
    const table = toTable(builtin('', 'ConfigMap'), [cm], { includeObject: 'Metadata', now: NOW, listMeta: { resourceVersion: '99', continue: 'tok', remainingItemCount: 4 } });
    assert.deepEqual(table, {
      kind: 'Table',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { resourceVersion: '99', continue: 'tok', remainingItemCount: 4 },
      columnDefinitions: tableColumns(builtin('', 'ConfigMap')),
      rows: [{ cells: ['web-config', 3, '5m'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata } }],
    } satisfies Table);
    assert.deepEqual(table.columnDefinitions?.[0], {
      name: 'Name',
      type: 'string',
      format: 'name',
      description:
        'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
      priority: 0,
    });
  });

  test('includeObject Object and None; a single object reports its resourceVersion; noHeaders drops the columns', () => {
    const cm = object('v1', 'ConfigMap', 'c');
    const full = toTable(builtin('', 'ConfigMap'), [cm], { includeObject: 'Object', now: NOW });
    assert.equal(full.rows?.[0].object, cm);
    assert.deepEqual(full.metadata, { resourceVersion: '42' });
    const none = toTable(builtin('', 'ConfigMap'), [cm], { includeObject: 'None', now: NOW, noHeaders: true });
    assert.equal(none.rows?.[0].object, null);
    assert.equal(none.columnDefinitions, null);
    assert.deepEqual(toTable(builtin('', 'ConfigMap'), [], { includeObject: 'Metadata', now: NOW, listMeta: { resourceVersion: '5' } }).rows, []);
  });

  test('AGE is <unknown> without a creationTimestamp', () => {
    assert.deepEqual(cells(builtin('', 'ConfigMap'), object('v1', 'ConfigMap', 'c', {}, { creationTimestamp: undefined })), ['c', 0, '<unknown>']);
  });
});

describe('built-in printers', () => {
  test('headers match kubectl get for the common kinds', () => {
    const expected: [string, string, string][] = [
      ['', 'Namespace', 'NAME | STATUS | AGE'],
      ['', 'ConfigMap', 'NAME | DATA | AGE'],
      ['', 'Secret', 'NAME | TYPE | DATA | AGE'],
      ['', 'Service', 'NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE'],
      ['', 'ServiceAccount', 'NAME | SECRETS | AGE'],
      ['', 'Pod', 'NAME | READY | STATUS | RESTARTS | AGE'],
      ['', 'PersistentVolumeClaim', 'NAME | STATUS | VOLUME | CAPACITY | ACCESS MODES | STORAGECLASS | VOLUMEATTRIBUTESCLASS | AGE'],
      ['', 'Endpoints', 'NAME | ENDPOINTS | AGE'],
      ['', 'Event', 'LAST SEEN | TYPE | REASON | OBJECT | MESSAGE'],
      ['', 'Node', 'NAME | STATUS | ROLES | AGE | VERSION'],
      ['apps', 'Deployment', 'NAME | READY | UP-TO-DATE | AVAILABLE | AGE'],
      ['apps', 'ReplicaSet', 'NAME | DESIRED | CURRENT | READY | AGE'],
      ['apps', 'StatefulSet', 'NAME | READY | AGE'],
      ['apps', 'DaemonSet', 'NAME | DESIRED | CURRENT | READY | UP-TO-DATE | AVAILABLE | NODE SELECTOR | AGE'],
      ['batch', 'Job', 'NAME | STATUS | COMPLETIONS | DURATION | AGE'],
      ['batch', 'CronJob', 'NAME | SCHEDULE | TIMEZONE | SUSPEND | ACTIVE | LAST SCHEDULE | AGE'],
      ['networking.k8s.io', 'Ingress', 'NAME | CLASS | HOSTS | ADDRESS | PORTS | AGE'],
      ['networking.k8s.io', 'NetworkPolicy', 'NAME | POD-SELECTOR | AGE'],
      ['rbac.authorization.k8s.io', 'Role', 'NAME | CREATED AT'],
      ['rbac.authorization.k8s.io', 'ClusterRole', 'NAME | CREATED AT'],
      ['rbac.authorization.k8s.io', 'RoleBinding', 'NAME | ROLE | AGE'],
      ['rbac.authorization.k8s.io', 'ClusterRoleBinding', 'NAME | ROLE | AGE'],
      ['coordination.k8s.io', 'Lease', 'NAME | HOLDER | AGE'],
      ['autoscaling', 'HorizontalPodAutoscaler', 'NAME | REFERENCE | TARGETS | MINPODS | MAXPODS | REPLICAS | AGE'],
      ['policy', 'PodDisruptionBudget', 'NAME | MIN AVAILABLE | MAX UNAVAILABLE | ALLOWED DISRUPTIONS | AGE'],
      ['apiextensions.k8s.io', 'CustomResourceDefinition', 'NAME | CREATED AT'],
      ['', 'LimitRange', 'NAME | CREATED AT'],
    ];
    for (const [group, kind, want] of expected) assert.equal(headers(builtin(group, kind)), want, kind);
    assert.equal(headers(builtin('', 'Pod'), true), 'NAME | READY | STATUS | RESTARTS | AGE | IP | NODE | NOMINATED NODE | READINESS GATES');
    assert.equal(headers(builtin('', 'Service'), true), 'NAME | TYPE | CLUSTER-IP | EXTERNAL-IP | PORT(S) | AGE | SELECTOR');
    assert.equal(headers(builtin('apps', 'Deployment'), true), 'NAME | READY | UP-TO-DATE | AVAILABLE | AGE | CONTAINERS | IMAGES | SELECTOR');
    assert.equal(headers(builtin('', 'Event'), true), 'LAST SEEN | TYPE | REASON | OBJECT | SUBOBJECT | SOURCE | MESSAGE | FIRST SEEN | COUNT | NAME');
  });

  test('namespaces, secrets, service accounts, leases, bindings', () => {
    assert.deepEqual(cells(builtin('', 'Namespace'), object('v1', 'Namespace', 'dev', { status: { phase: 'Active' } })), ['dev', 'Active', '5m']);
    assert.deepEqual(cells(builtin('', 'Secret'), object('v1', 'Secret', 'tls', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==', 'tls.key': 'eQ==' } })), ['tls', 'kubernetes.io/tls', 2, '5m']);
    assert.deepEqual(cells(builtin('', 'ServiceAccount'), object('v1', 'ServiceAccount', 'default')), ['default', 0, '5m']);
    assert.deepEqual(cells(builtin('coordination.k8s.io', 'Lease'), object('coordination.k8s.io/v1', 'Lease', 'leader', { spec: { holderIdentity: 'pod-a' } })), ['leader', 'pod-a', '5m']);
    const rb = object('rbac.authorization.k8s.io/v1', 'RoleBinding', 'view', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'ann' }, { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' }, { kind: 'Group', name: 'devs' }, { kind: 'User', name: 'bob' }],
    });
    assert.deepEqual(cells(builtin('rbac.authorization.k8s.io', 'RoleBinding'), rb), ['view', 'ClusterRole/view', '5m', 'ann, bob', 'devs', 'tools/ci']);
  });

  test('roles and other kinds without a printer show CREATED AT, and an empty list has null rows', () => {
    const role = object('rbac.authorization.k8s.io/v1', 'Role', 'reader', {}, { creationTimestamp: '2024-04-30T08:09:10Z' });
    assert.deepEqual(cells(builtin('rbac.authorization.k8s.io', 'Role'), role), ['reader', '2024-04-30T08:09:10Z']);
    assert.equal(toTable(builtin('rbac.authorization.k8s.io', 'Role'), [], { includeObject: 'Metadata', now: NOW }).rows, null);
    assert.deepEqual(tableColumns(builtin('rbac.authorization.k8s.io', 'Role'))[1].type, 'date');
  });

  test('services: cluster IP, external IP, ports and selector', () => {
    const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}): unknown[] =>
      cells(builtin('', 'Service'), object('v1', 'Service', 'web', { spec, status }));
    assert.deepEqual(svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } }), [
      'web', 'ClusterIP', '10.96.0.10', '<none>', '80/TCP', '5m', 'app=web',
    ]);
    assert.deepEqual(svc({ type: 'NodePort', clusterIPs: ['10.96.0.11'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }), [
      'web', 'NodePort', '10.96.0.11', '<none>', '80:30080/TCP,53/UDP', '5m', '<none>',
    ]);
    assert.deepEqual(svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 443 }] }).slice(1, 5), ['LoadBalancer', '10.96.0.12', '<pending>', '443/TCP']);
    assert.deepEqual(
      svc({ type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 443 }] }, { loadBalancer: { ingress: [{ ip: '203.0.113.9' }, { hostname: 'lb.example.com' }] } })[3],
      '203.0.113.9,lb.example.com',
    );
    assert.deepEqual(svc({ type: 'ExternalName', externalName: 'db.example.com' }).slice(1, 5), ['ExternalName', '<none>', 'db.example.com', '<none>']);
    assert.deepEqual(svc({ clusterIP: 'None', ports: [{ port: 5432 }] }).slice(1, 3), ['ClusterIP', 'None']);
  });

  test('pods: ready count, status reasons, restarts with the last restart age, wide cells and row conditions', () => {
    const podType = builtin('', 'Pod');
    const running = object('v1', 'Pod', 'web-1', {
      spec: { containers: [{ name: 'app' }, { name: 'sidecar' }], nodeName: 'node-1' },
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: ago(200) } } },
          { name: 'sidecar', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(12) } } },
        ],
      },
    });
    assert.deepEqual(cells(podType, running), ['web-1', '1/2', 'CrashLoopBackOff', '3 (12s ago)', '5m', '10.244.0.5', 'node-1', '<none>', '<none>']);

    const healthy = object('v1', 'Pod', 'web-2', {
      spec: { containers: [{ name: 'app' }], readinessGates: [{ conditionType: 'example.com/ready' }] },
      status: { phase: 'Running', conditions: [{ type: 'example.com/ready', status: 'True' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }] },
    });
    assert.deepEqual(cells(podType, healthy), ['web-2', '1/1', 'Running', '0', '5m', '<none>', '<none>', '<none>', '1/1']);

    const pending = object('v1', 'Pod', 'p', { spec: { containers: [{ name: 'app' }] }, status: { phase: 'Pending' } });
    assert.deepEqual(cells(podType, pending).slice(1, 4), ['0/1', 'Pending', '0']);

    const creating = object('v1', 'Pod', 'p', {
      spec: { containers: [{ name: 'app' }] },
      status: { phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] },
    });
    assert.equal(cells(podType, creating)[2], 'ContainerCreating');

    const completed = object('v1', 'Pod', 'job-x', {
      spec: { containers: [{ name: 'app' }] },
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
    });
    assert.deepEqual(cells(podType, completed).slice(1, 3), ['0/1', 'Completed']);
    assert.deepEqual(toTableRows(podType, [completed], { includeObject: 'None', now: NOW })[0].conditions, [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);

    const terminating = object('v1', 'Pod', 'p', { spec: { containers: [{ name: 'app' }] }, status: { phase: 'Running' } }, { deletionTimestamp: ago(1) });
    assert.equal(cells(podType, terminating)[2], 'Terminating');

    const init = object('v1', 'Pod', 'p', {
      spec: { initContainers: [{ name: 'migrate' }, { name: 'warm' }], containers: [{ name: 'app' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', restartCount: 0, state: { running: {} } }, { name: 'warm', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }] },
    });
    assert.equal(cells(podType, init)[2], 'Init:0/2');

    const initFailed = object('v1', 'Pod', 'p', {
      spec: { initContainers: [{ name: 'migrate' }], containers: [{ name: 'app' }] },
      status: { phase: 'Pending', initContainerStatuses: [{ name: 'migrate', restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } }] },
    });
    assert.deepEqual(cells(podType, initFailed).slice(2, 4), ['Init:CrashLoopBackOff', '2']);

    const evicted = object('v1', 'Pod', 'p', { spec: { containers: [{ name: 'app' }] }, status: { phase: 'Failed', reason: 'Evicted' } });
    assert.equal(cells(podType, evicted)[2], 'Evicted');
  });

  test('deployments, replica sets, stateful sets and daemon sets', () => {
    const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }, { name: 'log', image: 'fluent-bit:3' }], nodeSelector: { disk: 'ssd' } } };
    const deploy = object('apps/v1', 'Deployment', 'web', {
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    assert.deepEqual(cells(builtin('apps', 'Deployment'), deploy), ['web', '2/3', 3, 2, '5m', 'app,log', 'nginx:1.27,fluent-bit:3', 'app=web,tier notin (db)']);
    assert.deepEqual(cells(builtin('apps', 'Deployment'), object('apps/v1', 'Deployment', 'new', { spec: { selector: { matchLabels: { app: 'x' } }, template } })).slice(1, 4), ['0/1', 0, 0]);

    const rs = object('apps/v1', 'ReplicaSet', 'web-5d8f', { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2, readyReplicas: 1 } });
    assert.deepEqual(cells(builtin('apps', 'ReplicaSet'), rs), ['web-5d8f', 2, 2, 1, '5m', 'app,log', 'nginx:1.27,fluent-bit:3', 'app=web']);

    const sts = object('apps/v1', 'StatefulSet', 'db', { spec: { replicas: 3, template }, status: { readyReplicas: 3 } });
    assert.deepEqual(cells(builtin('apps', 'StatefulSet'), sts), ['db', '3/3', '5m', 'app,log', 'nginx:1.27,fluent-bit:3']);

    const ds = object('apps/v1', 'DaemonSet', 'agent', {
      spec: { selector: { matchLabels: { app: 'agent' } }, template },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    });
    assert.deepEqual(cells(builtin('apps', 'DaemonSet'), ds), ['agent', 3, 3, 2, 3, 2, 'disk=ssd', '5m', 'app,log', 'nginx:1.27,fluent-bit:3', 'app=agent']);
  });

  test('jobs and cron jobs', () => {
    const template = { spec: { containers: [{ name: 'pi', image: 'perl' }] } };
    const done = object('batch/v1', 'Job', 'pi', {
      spec: { completions: 1, parallelism: 1, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } }, template },
      status: { succeeded: 1, startTime: ago(100), completionTime: ago(58), conditions: [{ type: 'Complete', status: 'True' }] },
    });
    assert.deepEqual(cells(builtin('batch', 'Job'), done), ['pi', 'Complete', '1/1', '42s', '5m', 'pi', 'perl', 'batch.kubernetes.io/controller-uid=u1']);
    const running = object('batch/v1', 'Job', 'w', { spec: { parallelism: 3, template }, status: { startTime: ago(200) } });
    assert.deepEqual(cells(builtin('batch', 'Job'), running).slice(1, 4), ['Running', '0/1 of 3', '3m20s']);
    const notStarted = object('batch/v1', 'Job', 'w', { spec: { template }, status: { conditions: [{ type: 'Suspended', status: 'True' }] } });
    assert.deepEqual(cells(builtin('batch', 'Job'), notStarted).slice(1, 4), ['Suspended', '0/1', '']);
    const failed = object('batch/v1', 'Job', 'w', { spec: { completions: 2, template }, status: { conditions: [{ type: 'Failed', status: 'True' }] } });
    assert.deepEqual(cells(builtin('batch', 'Job'), failed).slice(1, 3), ['Failed', '0/2']);

    const cron = object('batch/v1', 'CronJob', 'nightly', {
      spec: { schedule: '0 3 * * *', suspend: false, jobTemplate: { spec: { template } } },
      status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(3600) },
    });
    assert.deepEqual(cells(builtin('batch', 'CronJob'), cron), ['nightly', '0 3 * * *', '<none>', 'False', 1, '60m', '5m', 'pi', 'perl', '<none>']);
    const unset = object('batch/v1', 'CronJob', 'n', { spec: { schedule: '@daily', timeZone: 'Europe/Paris', jobTemplate: { spec: { template } } } });
    assert.deepEqual(cells(builtin('batch', 'CronJob'), unset).slice(1, 6), ['@daily', 'Europe/Paris', '<unset>', 0, '<none>']);
  });

  test('ingresses, network policies and endpoints', () => {
    const ing = object('networking.k8s.io/v1', 'Ingress', 'web', {
      spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
    });
    assert.deepEqual(cells(builtin('networking.k8s.io', 'Ingress'), ing), ['web', 'nginx', 'a.example.com,b.example.com', '192.0.2.1', '80, 443', '5m']);
    const many = object('networking.k8s.io/v1', 'Ingress', 'many', { spec: { rules: [{ host: 'a' }, { host: 'b' }, { host: 'c' }, { host: 'd' }, {}] } });
    assert.deepEqual(cells(builtin('networking.k8s.io', 'Ingress'), many).slice(1, 5), ['<none>', 'a,b,c + 2 more...', '', '80']);
    assert.deepEqual(cells(builtin('networking.k8s.io', 'Ingress'), object('networking.k8s.io/v1', 'Ingress', 'x', { spec: { rules: [{}] } }))[2], '*');

    const np = object('networking.k8s.io/v1', 'NetworkPolicy', 'deny', { spec: { podSelector: {} } });
    assert.deepEqual(cells(builtin('networking.k8s.io', 'NetworkPolicy'), np), ['deny', '<none>', '5m']);
    const np2 = object('networking.k8s.io/v1', 'NetworkPolicy', 'web', { spec: { podSelector: { matchLabels: { app: 'web' } } } });
    assert.equal(cells(builtin('networking.k8s.io', 'NetworkPolicy'), np2)[1], 'app=web');

    const ep = object('v1', 'Endpoints', 'web', {
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: 'fd00::3' }, { ip: '10.0.0.4' }], ports: [{ port: 8080 }] }],
    });
    assert.deepEqual(cells(builtin('', 'Endpoints'), ep), ['web', '10.0.0.1:8080,10.0.0.2:8080,[fd00::3]:8080 + 1 more...', '5m']);
    assert.deepEqual(cells(builtin('', 'Endpoints'), object('v1', 'Endpoints', 'none'))[1], '<none>');
  });

  test('events print last seen, type, reason, object and message', () => {
    const ev = object('v1', 'Event', 'web-1.17c', {
      involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'shop', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container  ',
      type: 'Warning',
      count: 7,
      firstTimestamp: ago(600),
      lastTimestamp: ago(30),
      source: { component: 'kubelet', host: 'node-1' },
    });
    assert.deepEqual(cells(builtin('', 'Event'), ev), [
      '30s', 'Warning', 'BackOff', 'pod/web-1', 'spec.containers{app}', 'kubelet, node-1', 'Back-off restarting failed container', '10m', 7, 'web-1.17c',
    ]);
    const fresh = object('events.k8s.io/v1', 'Event', 'x', { regarding: { kind: 'Deployment', name: 'web' }, reason: 'ScalingReplicaSet', note: 'Scaled up', type: 'Normal', eventTime: ago(65), reportingController: 'deployment-controller' });
    assert.deepEqual(cells(builtin('events.k8s.io', 'Event'), fresh), ['65s', 'Normal', 'ScalingReplicaSet', 'deployment/web', '', 'deployment-controller', 'Scaled up', '65s', 1, 'x']);
  });

  test('nodes, persistent volume claims, autoscalers and disruption budgets', () => {
    const node = object('v1', 'Node', 'node-1', {
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.32.0' }, addresses: [{ type: 'InternalIP', address: '172.18.0.2' }] },
    }, { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'infra' } });
    assert.deepEqual(cells(builtin('', 'Node'), node), ['node-1', 'Ready,SchedulingDisabled', 'control-plane,infra', '5m', 'v1.32.0', '172.18.0.2', '<none>', '<unknown>', '<unknown>', '<unknown>']);
    assert.equal(cells(builtin('', 'Node'), object('v1', 'Node', 'n'))[1], 'Unknown');

    const pvc = object('v1', 'PersistentVolumeClaim', 'data', {
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', volumeName: 'pvc-123' },
      status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] },
    });
    assert.deepEqual(cells(builtin('', 'PersistentVolumeClaim'), pvc), ['data', 'Bound', 'pvc-123', '1Gi', 'RWO', 'standard', '<unset>', '5m', '<unset>']);
    const pendingPvc = object('v1', 'PersistentVolumeClaim', 'data', { spec: { accessModes: ['ReadWriteMany'], storageClassName: 'fast' }, status: { phase: 'Pending' } });
    assert.deepEqual(cells(builtin('', 'PersistentVolumeClaim'), pendingPvc).slice(1, 6), ['Pending', '', '', '', 'fast']);

    const hpa = object('autoscaling/v2', 'HorizontalPodAutoscaler', 'web', {
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 10,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '100' } } },
        ],
      },
      status: { currentReplicas: 2, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 35 } } }] },
    });
    assert.deepEqual(cells(builtin('autoscaling', 'HorizontalPodAutoscaler'), hpa), ['web', 'Deployment/web', 'cpu: 35%/80%, memory: <unknown>/500Mi + 1 more...', '2', 10, 2, '5m']);
    const hpaV1 = object('autoscaling/v1', 'HorizontalPodAutoscaler', 'web', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 } });
    assert.deepEqual(cells(builtin('autoscaling', 'HorizontalPodAutoscaler'), hpaV1).slice(2, 6), ['cpu: <unknown>/50%', '<unset>', 3, 0]);

    const pdb = object('policy/v1', 'PodDisruptionBudget', 'web', { spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } });
    assert.deepEqual(cells(builtin('policy', 'PodDisruptionBudget'), pdb), ['web', '50%', 'N/A', 1, '5m']);
  });
});

describe('custom resources', () => {
  const widget = object('example.com/v1', 'Widget', 'gizmo', {
    spec: { size: 3, ratio: 1234567.5, color: 'blue', enabled: true, tags: ['a', 'b'], extra: { z: 1, a: '<x>' } },
    status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True', lastTransitionTime: ago(90) }] },
  });

  test('without printer columns: NAME and AGE', () => {
    assert.equal(headers(custom()), 'NAME | AGE');
    assert.equal(headers(custom([])), 'NAME | AGE');
    assert.deepEqual(cells(custom(), widget), ['gizmo', '5m']);
    assert.equal(tableColumns(custom())[1].type, 'date');
  });

  test('with printer columns: NAME plus exactly the declared columns, typed as declared', () => {
    const columns: PrinterColumn[] = [
      { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
      { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: 'Since', type: 'date', jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime', priority: 1 },
      { name: 'Color', type: 'string', jsonPath: '.spec.color', description: 'The color.' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
      { name: 'Ratio', type: 'string', jsonPath: '.spec.ratio' },
      { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
      { name: 'Extra', type: 'string', jsonPath: '.spec.extra' },
      { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
      { name: 'Wrong', type: 'integer', jsonPath: '.spec.color' },
      { name: 'First', type: 'string', jsonPath: '.spec.tags[0]' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ];
    const type = custom(columns);
    assert.equal(headers(type), 'NAME | SIZE | READY | COLOR | MISSING | RATIO | TAGS | EXTRA | ENABLED | WRONG | FIRST | AGE');
    assert.deepEqual(cells(type, widget), ['gizmo', 3, 'True', '90s', 'blue', null, '1.2345675e+06', '["a","b"]', '{"a":"\\u003cx\\u003e","z":1}', true, null, 'a', '5m']);
    assert.deepEqual(tableColumns(type)[1], {
      name: 'Size',
      type: 'integer',
      format: '',
      description: 'Custom resource definition column (in JSONPath format): .spec.size',
      priority: 0,
    });
    assert.equal(tableColumns(type)[4].description, 'The color.');
    assert.equal(tableColumns(type)[3].priority, 1);
  });

  test('evalJsonPath handles fields, indexes, wildcards, filters and bracket names', () => {
    const root = { a: { 'b.c': [{ n: 1, k: 'x' }, { n: 2, k: 'y' }] }, labels: { 'app.kubernetes.io/name': 'shop' } };
    assert.deepEqual(evalJsonPath(".a['b.c'][*].n", root), [1, 2]);
    assert.deepEqual(evalJsonPath('.a.b\\.c[-1].k', root), ['y']);
    assert.deepEqual(evalJsonPath('.a.b\\.c[?(@.n>1)].k', root), ['y']);
    assert.deepEqual(evalJsonPath('{.a.b\\.c[?(@.k!="x")].n}', root), [2]);
    assert.deepEqual(evalJsonPath('.labels.app\\.kubernetes\\.io/name', root), ['shop']);
    assert.deepEqual(evalJsonPath('..k', root), ['x', 'y']);
    assert.deepEqual(evalJsonPath('.missing.x', root), []);
  });
});
