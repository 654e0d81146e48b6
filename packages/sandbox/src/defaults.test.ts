import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { applyDefaults, imageTag, qosClass } from './defaults.ts';
import { Registry } from './registry.ts';
import type { KubeObject } from './types.ts';

const registry = new Registry();

function defaulted(object: KubeObject): KubeObject {
  const type = registry.lookupKind(object.apiVersion, object.kind);
  assert.ok(type, `${object.apiVersion} ${object.kind} is served`);
  const copy = structuredClone(object);
  applyDefaults(type, copy);
  // defaulting twice changes nothing
  const again = structuredClone(copy);
  applyDefaults(type, again);
  assert.deepEqual(again, copy);
  return copy;
}

const container = { name: 'app', image: 'nginx:1.27' };
const defaultedContainer = {
  name: 'app',
  image: 'nginx:1.27',
  imagePullPolicy: 'IfNotPresent',
  resources: {},
  terminationMessagePath: '/dev/termination-log',
  terminationMessagePolicy: 'File',
};
const defaultedPodSpec = {
  containers: [defaultedContainer],
  dnsPolicy: 'ClusterFirst',
  restartPolicy: 'Always',
  schedulerName: 'default-scheduler',
  securityContext: {},
  terminationGracePeriodSeconds: 30,
};

function template(spec: Record<string, unknown> = {}): Record<string, unknown> {
  return { metadata: { labels: { app: 'web' } }, spec: { containers: [container], ...spec } };
}

describe('applyDefaults', () => {
  test('Namespace: finalizer, phase and the metadata.name label', () => {
    const ns = defaulted({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team', labels: { owner: 'me' } } });
    assert.deepEqual(ns.metadata.labels, { owner: 'me', 'kubernetes.io/metadata.name': 'team' });
    assert.deepEqual(ns.spec, { finalizers: ['kubernetes'] });
    assert.deepEqual(ns.status, { phase: 'Active' });
  });

  test('Secret: type Opaque unless given', () => {
    assert.equal(defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } }).type, 'Opaque');
    assert.equal(defaulted({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'kubernetes.io/tls' }).type, 'kubernetes.io/tls');
  });

  test('Service: ClusterIP, session affinity, single-stack IPv4, ports; never a clusterIP', () => {
    const svc = defaulted({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'UDP' }] },
    });
    assert.deepEqual(svc.spec, {
      selector: { app: 'web' },
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'UDP' },
      ],
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv4'],
    });
    assert.deepEqual(svc.status, { loadBalancer: {} });
  });

  test('Service: NodePort and LoadBalancer get traffic policies; ExternalName no IP families', () => {
    const lb = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', ports: [{ port: 443 }] } });
    assert.equal((lb.spec as Record<string, unknown>).externalTrafficPolicy, 'Cluster');
    assert.equal((lb.spec as Record<string, unknown>).allocateLoadBalancerNodePorts, true);
    const ext = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.com' } });
    assert.deepEqual(ext.spec, { type: 'ExternalName', externalName: 'example.com', sessionAffinity: 'None' });
    const sticky = defaulted({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { sessionAffinity: 'ClientIP', ports: [{ port: 1 }] } });
    assert.deepEqual((sticky.spec as Record<string, unknown>).sessionAffinityConfig, { clientIP: { timeoutSeconds: 10800 } });
  });

  test('Pod: pod spec and container defaults, admission defaults, Pending status with a QoS class', () => {
    const pod = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ ...container, ports: [{ containerPort: 80 }] }] } });
    assert.deepEqual(pod.spec, {
      ...defaultedPodSpec,
      containers: [{ ...defaultedContainer, ports: [{ containerPort: 80, protocol: 'TCP' }] }],
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
      priority: 0,
      preemptionPolicy: 'PreemptLowerPriority',
      tolerations: [
        { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
        { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      ],
    });
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });

  test('Pod: requests default to limits, which makes the pod Guaranteed', () => {
    const pod = defaulted({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ ...container, resources: { limits: { cpu: '500m', memory: '128Mi' } } }] },
    });
    const resources = ((pod.spec as { containers: { resources: unknown }[] }).containers[0]).resources;
    assert.deepEqual(resources, { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '500m', memory: '128Mi' } });
    assert.equal((pod.status as Record<string, unknown>).qosClass, 'Guaranteed');
  });

  test('image pull policy follows the tag', () => {
    const policy = (image: string): unknown => {
      const pod = defaulted({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image }] } });
      return (pod.spec as { containers: { imagePullPolicy: string }[] }).containers[0].imagePullPolicy;
    };
    assert.equal(policy('nginx'), 'Always');
    assert.equal(policy('nginx:latest'), 'Always');
    assert.equal(policy('nginx:1.27'), 'IfNotPresent');
    assert.equal(policy('localhost:5000/app'), 'Always');
    assert.equal(policy('localhost:5000/app:v2'), 'IfNotPresent');
    assert.equal(policy(`nginx@sha256:${'0'.repeat(64)}`), 'IfNotPresent');
    assert.equal(imageTag('registry.example.com:443/team/app:1.0@sha256:abc'), '1.0');
  });

  test('Deployment: replicas, strategy, history, deadline, and the pod template', () => {
    const d = defaulted({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'web' } }, template: template() } });
    assert.deepEqual(d.spec, {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: defaultedPodSpec },
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    const recreate = defaulted({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 0, strategy: { type: 'Recreate' }, template: template() } });
    assert.deepEqual((recreate.spec as Record<string, unknown>).strategy, { type: 'Recreate' });
    assert.equal((recreate.spec as Record<string, unknown>).replicas, 0);
    // pod-level-only defaults stay off templates
    assert.equal(((d.spec as { template: { spec: Record<string, unknown> } }).template.spec).enableServiceLinks, undefined);
  });

  test('ReplicaSet, StatefulSet and DaemonSet', () => {
    const rs = defaulted({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r' }, spec: { template: template() } });
    assert.equal((rs.spec as Record<string, unknown>).replicas, 1);

    const sts = defaulted({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 's' },
      spec: { template: template(), volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'] } }] },
    });
    const spec = sts.spec as Record<string, unknown>;
    assert.equal(spec.replicas, 1);
    assert.equal(spec.podManagementPolicy, 'OrderedReady');
    assert.deepEqual(spec.updateStrategy, { type: 'RollingUpdate', rollingUpdate: { partition: 0 } });
    assert.equal(spec.revisionHistoryLimit, 10);
    assert.deepEqual(spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: 'Retain', whenScaled: 'Retain' });
    assert.deepEqual(spec.volumeClaimTemplates, [
      { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
    ]);
    const onDelete = defaulted({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's' }, spec: { updateStrategy: { type: 'OnDelete' }, template: template() } });
    assert.deepEqual((onDelete.spec as Record<string, unknown>).updateStrategy, { type: 'OnDelete' });

    const ds = defaulted({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd' }, spec: { template: template() } });
    assert.deepEqual((ds.spec as Record<string, unknown>).updateStrategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    assert.equal((ds.spec as Record<string, unknown>).revisionHistoryLimit, 10);
  });

  test('Job: counts, modes, policies, labels from the template; restartPolicy kept as given', () => {
    const job = defaulted({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { template: { metadata: { labels: { app: 'migrate' } }, spec: { restartPolicy: 'Never', containers: [container] } } },
    });
    const spec = job.spec as Record<string, unknown>;
    assert.deepEqual(
      { ...spec, template: undefined },
      { completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, podReplacementPolicy: 'TerminatingOrFailed', manualSelector: false, template: undefined },
    );
    assert.equal((spec.template as { spec: { restartPolicy: string } }).spec.restartPolicy, 'Never');
    assert.deepEqual(job.metadata.labels, { app: 'migrate' });
    const parallel = defaulted({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { parallelism: 3, template: template({ restartPolicy: 'OnFailure' }) } });
    assert.equal((parallel.spec as Record<string, unknown>).completions, undefined);
  });

  test('CronJob: policies and the pod template of the job template, not Job defaults', () => {
    const cj = defaulted({
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'c' },
      spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template: template({ restartPolicy: 'OnFailure' }) } } },
    });
    const spec = cj.spec as Record<string, unknown>;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    const jobSpec = (spec.jobTemplate as { spec: Record<string, unknown> }).spec;
    assert.equal(jobSpec.backoffLimit, undefined);
    assert.deepEqual((jobSpec.template as { spec: unknown }).spec, { ...defaultedPodSpec, restartPolicy: 'OnFailure' });
  });

  test('PersistentVolumeClaim: volume mode and Pending status', () => {
    const pvc = defaulted({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: { accessModes: ['ReadWriteOnce'] } });
    assert.equal((pvc.spec as Record<string, unknown>).volumeMode, 'Filesystem');
    assert.deepEqual(pvc.status, { phase: 'Pending' });
  });

  test('probes, volumes and field references inside pod templates', () => {
    const d = defaulted({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'app',
                image: 'nginx:1.27',
                readinessProbe: { httpGet: { port: 80 } },
                env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
              },
            ],
            volumes: [{ name: 'scratch' }, { name: 'config', configMap: { name: 'cfg' } }, { name: 'host', hostPath: { path: '/tmp' } }],
          },
        },
      },
    });
    const podSpec = (d.spec as { template: { spec: { containers: Record<string, unknown>[]; volumes: unknown[] } } }).template.spec;
    assert.deepEqual(podSpec.containers[0].readinessProbe, { httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    assert.deepEqual(podSpec.containers[0].env, [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name', apiVersion: 'v1' } } }]);
    assert.deepEqual(podSpec.volumes, [
      { name: 'scratch', emptyDir: {} },
      { name: 'config', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'host', hostPath: { path: '/tmp', type: '' } },
    ]);
  });

  test('custom resources and kinds without defaults are left alone', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    assert.deepEqual(defaulted(cm), cm);
    const type = { ...registry.lookupKind('v1', 'Secret')!, custom: true };
    const secretLike: KubeObject = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } };
    applyDefaults(type, secretLike);
    assert.equal(secretLike.type, undefined);
  });

  test('qosClass', () => {
    assert.equal(qosClass({ containers: [{ name: 'a' }] }), 'BestEffort');
    assert.equal(qosClass({ containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }] }), 'Burstable');
    assert.equal(qosClass({ containers: [{ name: 'a', resources: { requests: { 'ephemeral-storage': '1Gi' } } }] }), 'BestEffort');
    assert.equal(qosClass({ containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }] }), 'Guaranteed');
  });
});
