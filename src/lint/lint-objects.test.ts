import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Manifest } from '../core/index.ts';
import type { RenderedObject } from '../render/index.ts';
import { lintObjects, type LintFinding } from './index.ts';

/** A container that every rule accepts; `extra` changes or removes (undefined) its fields. */
function container(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    name,
    image: 'ghcr.io/org/api:1.4.2',
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    livenessProbe: { httpGet: { path: '/live', port: 8080 } },
    securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false },
  };
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete base[key];
    else base[key] = value;
  }
  return base;
}

function deployment(podSpec: Record<string, unknown>, annotations?: Record<string, string>): RenderedObject {
  const manifest: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', namespace: 'web', ...(annotations ? { annotations } : {}) },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: podSpec } },
  };
  return { manifest, source: 'apps/web/api.yaml' };
}

const lint = (objects: RenderedObject[], options: { disable?: LintFinding['rule'][]; enable?: LintFinding['rule'][] } = {}): string[] =>
  lintObjects(objects, { app: 'web', env: 'dev', ...options } as Parameters<typeof lintObjects>[1]).map((f) => `${f.rule} ${f.object}${f.container ? ` ${f.container}` : ''}: ${f.message}`);
const rulesOf = (objects: RenderedObject[], options: { disable?: LintFinding['rule'][]; enable?: LintFinding['rule'][] } = {}): string[] =>
  lintObjects(objects, { app: 'web', env: 'dev', ...options } as Parameters<typeof lintObjects>[1]).map((f) => `${f.rule}${f.container ? ` ${f.container}` : ''}`);

describe('capstan lint rules', () => {
  it('finds nothing in a workload that follows every rule, and only looks at objects that run pods', () => {
    const configMap: RenderedObject = { manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'web' } }, source: 'c.yaml' };
    assert.deepEqual(lint([deployment({ containers: [container('api')] }), configMap]), []);
  });

  it('container-resources: a request or limit of cpu or memory missing', () => {
    assert.deepEqual(lint([deployment({ containers: [container('api', { resources: { requests: { cpu: '1' }, limits: { memory: '1Gi' } } })] })]), [
      'container-resources Deployment/web/api api: has no resources.requests.memory, resources.limits.cpu: set them, so the scheduler places the pod where it fits and one container cannot starve the node',
    ]);
    assert.deepEqual(rulesOf([deployment({ initContainers: [container('init', { resources: undefined })], containers: [container('api')] })]), ['container-resources init'], 'init containers too');
  });

  it('container-probes: readiness and liveness on long-running workloads, not on Jobs, CronJobs or run-once Pods', () => {
    assert.deepEqual(lint([deployment({ containers: [container('api', { readinessProbe: undefined, livenessProbe: undefined })] })]), [
      'container-probes Deployment/web/api api: has no readinessProbe: add one, so traffic and rollouts wait until the container is ready',
      'container-probes Deployment/web/api api: has no livenessProbe: add one, so a container that hangs is restarted',
    ]);
    const noProbes = container('run', { readinessProbe: undefined, livenessProbe: undefined });
    const job: RenderedObject = { manifest: { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'web' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [noProbes] } } } }, source: 'j.yaml' };
    const cronJob: RenderedObject = { manifest: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'report', namespace: 'web' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: { containers: [noProbes] } } } } } }, source: 'c.yaml' };
    const runOnce: RenderedObject = { manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'once', namespace: 'web' }, spec: { restartPolicy: 'Never', containers: [noProbes] } }, source: 'p.yaml' };
    const pod: RenderedObject = { manifest: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'web' }, spec: { containers: [noProbes] } }, source: 'p.yaml' };
    assert.deepEqual(rulesOf([job, cronJob, runOnce]), []);
    assert.deepEqual(rulesOf([pod]), ['container-probes run', 'container-probes run']);
    assert.deepEqual(rulesOf([deployment({ initContainers: [container('init', { readinessProbe: undefined, livenessProbe: undefined })], containers: [container('api')] })]), [], 'an init container needs no probe');
  });

  it('image-tag-latest: :latest or no tag, unless a digest pins it', () => {
    assert.deepEqual(lint([deployment({ containers: [container('a', { image: 'nginx' }), container('b', { image: 'nginx:latest' }), container('c', { image: `nginx:latest@sha256:${'a'.repeat(64)}` }), container('d', { image: 'localhost:5000/nginx:1.27' })] })]), [
      'image-tag-latest Deployment/web/api a: image "nginx" has no tag (so it is :latest): pin a version tag or a digest (images in capstan.yaml, or images.lockFile), so every node and every sync runs the same image',
      'image-tag-latest Deployment/web/api b: image "nginx:latest" is :latest: pin a version tag or a digest (images in capstan.yaml, or images.lockFile), so every node and every sync runs the same image',
    ]);
    assert.deepEqual(rulesOf([deployment({ containers: [container('e', { image: 'localhost:5000/nginx' })] })]), ['image-tag-latest e'], 'a registry port is no tag');
  });

  it('container-privileged: privileged, or allowPrivilegeEscalation true', () => {
    assert.deepEqual(lint([deployment({ containers: [container('api', { securityContext: { runAsNonRoot: true, privileged: true, allowPrivilegeEscalation: true } })] })]), [
      'container-privileged Deployment/web/api api: is privileged: remove securityContext.privileged, and grant only the capabilities it needs (securityContext.capabilities.add)',
      'container-privileged Deployment/web/api api: allows privilege escalation: set securityContext.allowPrivilegeEscalation: false',
    ]);
    assert.deepEqual(rulesOf([deployment({ containers: [container('api', { securityContext: { runAsNonRoot: true, privileged: false } })] })]), []);
  });

  it('run-as-root: runAsNonRoot not true on the container or the pod, or runAsUser 0', () => {
    assert.deepEqual(lint([deployment({ containers: [container('api', { securityContext: undefined })] })]), [
      'run-as-root Deployment/web/api api: may run as root: set securityContext.runAsNonRoot: true (on the container or the pod), with a runAsUser other than 0 if the image has no user',
    ]);
    assert.deepEqual(rulesOf([deployment({ securityContext: { runAsNonRoot: true }, containers: [container('api', { securityContext: undefined })] })]), [], "the pod's setting counts");
    assert.deepEqual(rulesOf([deployment({ securityContext: { runAsUser: 1000 }, containers: [container('api', { securityContext: undefined })] })]), [], 'a user other than 0');
    assert.deepEqual(rulesOf([deployment({ securityContext: { runAsNonRoot: true }, containers: [container('api', { securityContext: { runAsNonRoot: false } })] })]), ['run-as-root api'], "the container's setting wins");
    assert.deepEqual(lint([deployment({ containers: [container('api', { securityContext: { runAsNonRoot: true, runAsUser: 0 } })] })]), [
      'run-as-root Deployment/web/api api: runs as root (runAsUser: 0): set a runAsUser other than 0 and runAsNonRoot: true',
    ]);
  });

  it('host-namespaces: hostNetwork, hostPID or hostIPC, once per workload', () => {
    assert.deepEqual(lint([deployment({ hostNetwork: true, hostPID: true, hostIPC: false, containers: [container('api')] })]), [
      "host-namespaces Deployment/web/api: shares the node's namespaces (hostNetwork: true, hostPID: true): remove them, unless the pod is a node agent that needs them (then disable the rule on it)",
    ]);
    assert.deepEqual(rulesOf([deployment({ hostNetwork: false, containers: [container('api')] })]), []);
  });

  it('image-pull-policy is optional: on when enabled, for images no digest pins', () => {
    const objects = [deployment({ containers: [container('a'), container('b', { imagePullPolicy: 'Always' }), container('c', { image: `nginx@sha256:${'b'.repeat(64)}` }), container('d', { imagePullPolicy: 'IfNotPresent' })] })];
    assert.deepEqual(rulesOf(objects), []);
    assert.deepEqual(lint(objects, { enable: ['image-pull-policy'] }), [
      'image-pull-policy Deployment/web/api a: imagePullPolicy is not set for "ghcr.io/org/api:1.4.2", which no digest pins: set imagePullPolicy: Always, or pin the digest (images.lockFile), so a node does not keep an older image of the tag',
      'image-pull-policy Deployment/web/api d: imagePullPolicy is IfNotPresent for "ghcr.io/org/api:1.4.2", which no digest pins: set imagePullPolicy: Always, or pin the digest (images.lockFile), so a node does not keep an older image of the tag',
    ]);
  });
});

describe('turning lint rules off', () => {
  const bad = (annotations?: Record<string, string>): RenderedObject => deployment({ hostPID: true, containers: [container('api', { image: 'nginx', readinessProbe: undefined })] }, annotations);

  it("by the app's (and environment's) lint.disable", () => {
    assert.deepEqual(rulesOf([bad()]), ['container-probes api', 'image-tag-latest api', 'host-namespaces']);
    assert.deepEqual(rulesOf([bad()], { disable: ['container-probes', 'host-namespaces'] }), ['image-tag-latest api']);
  });

  it('by the annotation capstan.dev/lint-disable on the object, which must name rules', () => {
    assert.deepEqual(rulesOf([bad({ 'capstan.dev/lint-disable': 'container-probes, image-tag-latest' }), bad()]), ['host-namespaces', 'container-probes api', 'image-tag-latest api', 'host-namespaces']);
    assert.deepEqual(lint([bad({ 'capstan.dev/lint-disable': 'container-probes,host-namespace,image-tag-latest' })]), [
      'lint-disable Deployment/web/api: annotation capstan.dev/lint-disable names "host-namespace", which is no rule: write rules among container-resources, container-probes, image-tag-latest, container-privileged, run-as-root, host-namespaces, image-pull-policy',
      "host-namespaces Deployment/web/api: shares the node's namespaces (hostPID: true): remove it, unless the pod is a node agent that needs it (then disable the rule on it)",
    ]);
  });

  it('each finding names app, environment, object, its file, container and rule', () => {
    assert.deepEqual(lintObjects([bad()], { app: 'web', env: 'prod', disable: ['image-tag-latest', 'host-namespaces'] }), [
      { app: 'web', env: 'prod', object: 'Deployment/web/api', source: 'apps/web/api.yaml', container: 'api', rule: 'container-probes', message: 'has no readinessProbe: add one, so traffic and rollouts wait until the container is ready' },
    ]);
  });
});
