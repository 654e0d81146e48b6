import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigValidationError, parseProject, resolveApp } from './index.ts';

const head = `apiVersion: capstan.dev/v1alpha1
kind: Project
environments:
  - name: dev
apps:
`;

function problems(text: string): string {
  try {
    parseProject(text);
  } catch (error) {
    assert.ok(error instanceof ConfigValidationError, String(error));
    return error.message;
  }
  assert.fail('expected problems');
}

test('Flux\'s Kustomization options read onto the app: postRender, the namespace, the timeout and a fixed retry interval', () => {
  const project = parseProject(`${head}  - name: web
    source: apps/web
    targetNamespace: web
    timeout: 90s
    retryInterval: 1m
    wait: true
    patches:
      - patch: |
          - { op: replace, path: /spec/replicas, value: 2 }
        target: { group: apps, kind: Deployment, labelSelector: "app=web" }
      - patch: |
          apiVersion: v1
          kind: Service
          metadata: { name: web }
          spec: { type: NodePort }
    postBuild:
      substitute: { cluster_env: dev, replicas: 3 }
      substituteFrom: [{ kind: ConfigMap, name: vars }, { kind: Secret, name: secrets, optional: true }]
`);
  const app = resolveApp(project, 'web', 'dev');
  assert.equal(app.namespace, 'web');
  assert.equal(app.syncOptions.timeoutMs, 90_000);
  assert.deepEqual(app.syncOptions.retry, { limit: 5, backoffMs: 60_000, maxBackoffMs: 60_000 });
  assert.equal(app.syncOptions.wait, undefined, 'wait: true is what capstan does anyway');
  const noWait = parseProject(`${head}  - { name: web, source: apps/web, namespace: web, wait: false }\n`);
  assert.equal(resolveApp(noWait, 'web', 'dev').syncOptions.wait, false);
  assert.deepEqual(app.postRender, {
    targetNamespace: 'web',
    patches: [
      { patch: '- { op: replace, path: /spec/replicas, value: 2 }\n', target: { group: 'apps', kind: 'Deployment', labelSelector: 'app=web' } },
      { patch: 'apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { type: NodePort }\n' },
    ],
    substitute: { cluster_env: 'dev', replicas: '3' },
    substituteFrom: [
      { kind: 'ConfigMap', name: 'vars', optional: false },
      { kind: 'Secret', name: 'secrets', optional: true },
    ],
  });
});

test('an environment adds its patches after the app\'s and its variables over the app\'s, as a Flux Kustomization per cluster would', () => {
  const project = parseProject(`apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: staging }, { name: production }]
apps:
  - name: web
    source: apps/web
    namespace: web
    patches:
      - { patch: "- { op: add, path: /metadata/labels/tier, value: web }", target: { kind: Deployment } }
    postBuild:
      substitute: { cluster_env: staging, replicas: "1" }
    environments:
      staging: {}
      production:
        patches:
          - { patch: "- { op: replace, path: /spec/replicas, value: 5 }", target: { kind: Deployment, name: web } }
        postBuild:
          substitute: { cluster_env: production }
          substituteFrom: [{ kind: ConfigMap, name: production-vars }]
`);
  assert.deepEqual(resolveApp(project, 'web', 'staging').postRender, {
    patches: [{ patch: '- { op: add, path: /metadata/labels/tier, value: web }', target: { kind: 'Deployment' } }],
    substitute: { cluster_env: 'staging', replicas: '1' },
    substituteFrom: [],
  });
  assert.deepEqual(resolveApp(project, 'web', 'production').postRender, {
    patches: [
      { patch: '- { op: add, path: /metadata/labels/tier, value: web }', target: { kind: 'Deployment' } },
      { patch: '- { op: replace, path: /spec/replicas, value: 5 }', target: { kind: 'Deployment', name: 'web' } },
    ],
    substitute: { cluster_env: 'production', replicas: '1' },
    substituteFrom: [{ kind: 'ConfigMap', name: 'production-vars', optional: false }],
  });
});

test('Flux options that cannot work are refused with the fix', () => {
  assert.equal(
    problems(`${head}  - name: web
    source: apps/web
    namespace: other
    targetNamespace: web
    wait: false
    timeout: 1m
    retryInterval: 10s
    syncOptions: { timeout: 2m, retry: { backoff: 5s } }
    patches:
      - patch: |
          - { op: replace, path: /spec/replicas, value: 2 }
      - patch: |
          - { op: change, path: /spec }
        target: { kind: Deployment }
      - patch: "kind: Service"
    postBuild:
      substitute: { "cluster-env": dev }
      substituteFrom: [{ kind: Secrets, name: vars }]
  - name: chart
    source: charts/db
    type: helm
    namespace: db
    patches: []
`),
    [
      'capstan.yaml has 9 problems:',
      '  capstan.yaml:9:22: apps[0].targetNamespace: moves every namespaced object to web, but namespace is other: keep one of them (targetNamespace also sets the app\'s namespace)',
      '  capstan.yaml:11:14: apps[0].timeout: is Flux\'s name for syncOptions.timeout, which is also set: keep one of them',
      '  capstan.yaml:12:20: apps[0].retryInterval: retries at a fixed interval, as Flux does, but syncOptions.retry.backoff is also set: keep one of them',
      '  capstan.yaml:15:16: apps[0].patches[0].patch: is a JSON 6902 patch, which names no object: add a target such as { kind: Deployment, name: web }',
      '  capstan.yaml:17:16: apps[0].patches[1].patch: is a JSON 6902 patch with a bad operation: operation 1 has op "change": write one of add, remove, replace, move, copy, test',
      '  capstan.yaml:20:16: apps[0].patches[2].patch: names no object: a strategic merge patch without a target needs kind and metadata.name (and apiVersion); or add a target',
      '  capstan.yaml:22:21: apps[0].postBuild.substitute.cluster-env: must be a variable name (a letter or "_", then letters, digits and "_"), got "cluster-env"',
      '  capstan.yaml:23:32: apps[0].postBuild.substituteFrom[0].kind: must be "ConfigMap" or "Secret", got "Secrets"; did you mean "Secret"?',
      '  capstan.yaml:28:14: apps[1].patches: applies to kustomize and directory apps (as Flux\'s Kustomization does), but the app\'s type is helm: remove patches',
    ].join('\n'),
  );
});
