import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProject, formatIssue, parseProject, resolveApp } from './index.ts';

const header = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\n';
const app = (body: string): string => `${header}environments:\n  - name: dev\n  - name: prod\napps:\n  - name: web\n    source: charts/web\n    namespace: web\n${body}`;
const messages = (text: string): string[] => checkProject(text).map(formatIssue);

test("helm.kubeVersion, apiVersions and skipCRDs are read as Argo CD's helm settings, and resolved in every environment", () => {
  const project = parseProject(app('    helm:\n      kubeVersion: v1.29.3\n      apiVersions: [monitoring.coreos.com/v1, monitoring.coreos.com/v1/ServiceMonitor, v1, apps/v1/Deployment]\n      skipCRDs: true\n'));
  assert.deepEqual(project.apps[0]!.helm, {
    valuesFiles: [],
    values: {},
    kubeVersion: 'v1.29.3',
    apiVersions: ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor', 'v1', 'apps/v1/Deployment'],
    skipCRDs: true,
  });
  for (const env of ['dev', 'prod']) {
    const { helm } = resolveApp(project, 'web', env);
    assert.equal(helm.kubeVersion, 'v1.29.3');
    assert.deepEqual(helm.apiVersions, ['monitoring.coreos.com/v1', 'monitoring.coreos.com/v1/ServiceMonitor', 'v1', 'apps/v1/Deployment']);
    assert.equal(helm.skipCRDs, true);
  }
  const plain = resolveApp(parseProject(app('')), 'web', 'dev').helm;
  assert.deepEqual(plain, { releaseName: 'web', valuesFiles: [], values: {} }, 'left out: the cluster decides (helm defaults offline), CRDs rendered');
  assert.deepEqual(messages(app('    helm: { kubeVersion: "1.29", apiVersions: [] }\n')), [], 'a major.minor version and an empty list are fine');
});

test('a kubeVersion, an API version or skipCRDs that helm could not take is refused at its line and column', () => {
  assert.deepEqual(messages(app('    helm:\n      kubeVersion: latest\n      apiVersions: [apps/v1, "a,b/v1", "monitoring.coreos.com/v1/Service Monitor", 7]\n      skipCRDs: "yes"\n')), [
    'capstan.yaml:11:20: apps[0].helm.kubeVersion: must be a Kubernetes version such as v1.29.3 or 1.29, got "latest"',
    'capstan.yaml:12:30: apps[0].helm.apiVersions[1]: must be an API version as group/version or group/version/Kind (e.g. apps/v1, monitoring.coreos.com/v1/ServiceMonitor), got "a,b/v1"',
    'capstan.yaml:12:40: apps[0].helm.apiVersions[2]: must be an API version as group/version or group/version/Kind (e.g. apps/v1, monitoring.coreos.com/v1/ServiceMonitor), got "monitoring.coreos.com/v1/Service Monitor"',
    'capstan.yaml:12:84: apps[0].helm.apiVersions[3]: must be an API version, got 7 (a number); quote it to make it text: "7"',
    'capstan.yaml:13:17: apps[0].helm.skipCRDs: must be true or false, got "yes"',
  ]);
  assert.deepEqual(messages(app('    helm: { kubeVersion: 1.29 }\n')), ['capstan.yaml:10:26: apps[0].helm.kubeVersion: must be a Kubernetes version such as v1.29.3, got 1.29 (a number); quote it to make it text: "1.29"']);
  assert.deepEqual(messages(app('    helm: { apiVersions: apps/v1 }\n')), [
    'capstan.yaml:10:26: apps[0].helm.apiVersions: must be a list of API versions, e.g. [monitoring.coreos.com/v1, monitoring.coreos.com/v1/ServiceMonitor], got "apps/v1"',
  ]);
});

test("Argo CD's spelling skipCrds and per-environment settings say what to write instead", () => {
  assert.deepEqual(messages(app('    helm: { skipCrds: true }\n')), ['capstan.yaml:10:13: apps[0].helm.skipCrds: unknown field; did you mean "skipCRDs"?']);
  assert.deepEqual(messages(app('    environments:\n      dev: { helm: { kubeVersion: v1.29.0 } }\n')), [
    'capstan.yaml:11:22: apps[0].environments.dev.helm.kubeVersion: unknown field: "kubeVersion" cannot be set per environment: set helm.kubeVersion on the app (with a cluster, its own version and APIs are used)',
  ]);
  assert.deepEqual(messages(app('    type: directory\n    helm: { skipCRDs: true }\n')), [
    "capstan.yaml:11:11: apps[0].helm: only applies to Helm charts, but the app's type is directory: remove helm, or set type: helm",
  ]);
});
