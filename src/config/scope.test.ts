import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Manifest } from '../core/index.ts';
import { checkProject, formatIssue, namespaceMatches, parseProject, projectAccess, resolveApp, scopeProblems, writeScope, type WriteScope } from './index.ts';

const header = 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n  - name: prod\n';
const messages = (text: string): string[] => checkProject(text).map(formatIssue);

const configMap = (name: string, namespace?: string): Manifest => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(namespace === undefined ? {} : { namespace }) } });
const cluster = (apiVersion: string, kind: string, name: string): Manifest => ({ apiVersion, kind, metadata: { name } });
const namespace = (name: string): Manifest => cluster('v1', 'Namespace', name);

/** The scope of app `evil` (namespace evil) with a render of `manifests`. */
function scopeOf(app: Parameters<typeof writeScope>[0], manifests: Manifest[] = [], notCreated: string[] = []): WriteScope {
  return writeScope(app, manifests, { ownNamespace: 'capstan-system', notCreated });
}

test('named scopes and inline scopes are read, and each app resolves to its own in every environment', () => {
  const project = parseProject(`${header}scopes:
  - name: platform
    namespaces: [monitoring, "team-*"]
    clusterResources:
      - { group: rbac.authorization.k8s.io, kind: ClusterRole }
      - { group: "", kind: PersistentVolume }
apps:
  - { name: prometheus, source: apps/prometheus, namespace: prometheus, scope: platform }
  - name: web
    source: apps/web
    namespace: web
    scope: { namespaces: [web-cache] }
  - { name: plain, source: apps/plain, namespace: plain }
`);
  const platform = { name: 'platform', namespaces: ['monitoring', 'team-*'], clusterResources: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }, { group: '', kind: 'PersistentVolume' }] };
  assert.deepEqual(project.scopes, [platform]);
  assert.deepEqual(project.apps[0]!.scope, platform);
  assert.deepEqual(project.apps[1]!.scope, { namespaces: ['web-cache'], clusterResources: [] });
  assert.equal(project.apps[2]!.scope, undefined);
  assert.deepEqual(resolveApp(project, 'prometheus', 'prod').scope, platform);
  assert.deepEqual(resolveApp(project, 'web', 'dev').scope, { namespaces: ['web-cache'], clusterResources: [] });
  assert.equal(resolveApp(project, 'plain', 'dev').scope, undefined);
});

test('scope mistakes are reported with line, column, field and remedy', () => {
  const text = `${header}scopes:
  - name: platform
    namespaces: [monitoring, Team_A, monitoring]
    clusterResources:
      - { kind: ClusterRoleBinding }
      - { group: "", kind: ClusterRole }
      - { group: "", kind: ConfigMap }
      - { group: rbac.authorization.k8s.io, kind: "cluster role" }
      - { group: "*", kind: "*" }
      - { group: "*", kind: "*" }
  - name: platform
    namespaces: [x]
  - { name: empty }
apps:
  - { name: a, source: a, namespace: a, scope: platfrom }
  - { name: b, source: b, namespace: b, scope: { name: inline, namespaces: [b2] } }
  - { name: c, source: c, namespace: c, scope: [c2] }
  - { name: d, source: d, namespace: d, environments: { dev: { scope: platform } } }
`;
  assert.deepEqual(messages(text), [
    'capstan.yaml:8:30: scopes[0].namespaces[1]: must be a namespace name, or a pattern where "*" matches any characters (such as team-* or *), got "Team_A"',
    'capstan.yaml:8:38: scopes[0].namespaces[2]: "monitoring" is already listed at line 8: remove one',
    'capstan.yaml:10:9: scopes[0].clusterResources[0].group: is required: the API group of ClusterRoleBinding: rbac.authorization.k8s.io',
    'capstan.yaml:11:18: scopes[0].clusterResources[1].group: ClusterRole is served by rbac.authorization.k8s.io, not the core group: write group: rbac.authorization.k8s.io',
    'capstan.yaml:12:28: scopes[0].clusterResources[2].kind: ConfigMap is a namespaced kind: a scope grants namespaced objects by namespace (namespaces), not by kind',
    'capstan.yaml:13:51: scopes[0].clusterResources[3].kind: must be a kind such as ClusterRole (letters and digits) or "*", got "cluster role"',
    'capstan.yaml:15:9: scopes[0].clusterResources[5]: every kind of every group is already listed at line 14: remove one',
    'capstan.yaml:16:11: scopes[1].name: scope "platform" is already declared at line 7: scope names must be unique',
    'capstan.yaml:18:5: scopes[2]: grants nothing: list the namespaces (namespaces) or the cluster-scoped kinds (clusterResources) it lets apps write',
    'capstan.yaml:20:48: apps[0].scope: unknown scope "platfrom"; did you mean "platform"? (declared scopes: platform, empty)',
    'capstan.yaml:21:50: apps[1].scope.name: unknown field: an inline scope has no name: to share a scope between apps, declare it under scopes: and write scope: <its name>',
    'capstan.yaml:22:48: apps[2].scope: must be the name of a scope declared under scopes, or a mapping such as "{ namespaces: [monitoring] }", got a list',
    'capstan.yaml:23:64: apps[3].environments.dev.scope: unknown field: "scope" cannot be set per environment: set it on the app',
  ]);
});

test('namespace patterns: "*" matches any characters, and nothing else is special', () => {
  assert.ok(namespaceMatches('team-*', 'team-a'));
  assert.ok(namespaceMatches('team-*', 'team-'));
  assert.ok(!namespaceMatches('team-*', 'teams'));
  assert.ok(namespaceMatches('*-prod', 'shop-prod'));
  assert.ok(namespaceMatches('*', 'kube-system'));
  assert.ok(!namespaceMatches('web', 'web2'));
  assert.ok(namespaceMatches('web', 'web'));
});

test('by default an app writes to its namespace and the namespaces it creates, and only Namespace and CRD objects of the cluster-scoped kinds', () => {
  const scope = scopeOf({ name: 'web', namespace: 'web' }, [namespace('web'), namespace('web-cache'), configMap('x', 'web-cache')]);
  assert.deepEqual(scope.created, ['web-cache']);
  assert.deepEqual(scopeProblems(scope, configMap('a', 'web')), []);
  assert.deepEqual(scopeProblems(scope, configMap('a', 'web-cache')), []);
  assert.deepEqual(scopeProblems(scope, namespace('web')), []);
  assert.deepEqual(scopeProblems(scope, namespace('web-cache')), []);
  assert.deepEqual(scopeProblems(scope, cluster('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.example.com')), []);
  assert.deepEqual(scopeProblems(scope, configMap('a', 'guestbook')), [
    'namespace guestbook is outside the scope of app "web", which may write to web (its namespace) and web-cache (its Namespace objects): to allow it, add guestbook to the namespaces of the app\'s scope in capstan.yaml',
  ]);
  assert.deepEqual(scopeProblems(scope, cluster('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'evil-admin')), [
    'cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is outside the scope of app "web", which may write Namespace and CustomResourceDefinition: to allow it, add { group: rbac.authorization.k8s.io, kind: ClusterRoleBinding } to the clusterResources of the app\'s scope in capstan.yaml',
  ]);
  assert.deepEqual(scopeProblems(scope, cluster('v1', 'PersistentVolume', 'disk')), [
    'cluster-scoped kind PersistentVolume is outside the scope of app "web", which may write Namespace and CustomResourceDefinition: to allow it, add { group: "", kind: PersistentVolume } to the clusterResources of the app\'s scope in capstan.yaml',
  ]);
});

test("capstan's own namespace is never writable, whatever the scope says, nor is its Namespace object", () => {
  const everything = { namespaces: ['*', 'capstan-system'], clusterResources: [{ group: '*', kind: '*' }] };
  const scope = scopeOf({ name: 'evil', namespace: 'evil', scope: everything }, [namespace('capstan-system')]);
  assert.deepEqual(scope.created, []);
  assert.deepEqual(scopeProblems(scope, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'capstan-api-tokens', namespace: 'capstan-system' } }), [
    "is in capstan-system, capstan's own namespace (inventories, Leases, token Secrets): no app may write there, whatever its scope says",
  ]);
  assert.deepEqual(scopeProblems(scope, namespace('capstan-system')), ["is capstan's own namespace (inventories, Leases, token Secrets): no app may write it, whatever its scope says"]);
  // everything else, this scope allows
  assert.deepEqual(scopeProblems(scope, configMap('x', 'kube-system')), []);
  assert.deepEqual(scopeProblems(scope, cluster('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'x')), []);
  // an app whose namespace is capstan's own still may not write there
  assert.equal(scopeProblems(scopeOf({ name: 'x', namespace: 'capstan-system' }), configMap('a', 'capstan-system')).length, 1);
});

test("a Namespace object makes no namespace of the cluster's own, nor one that exists and the app did not create, its own", () => {
  const scope = scopeOf({ name: 'evil', namespace: 'evil' }, [namespace('kube-system'), namespace('default'), namespace('guestbook')], ['guestbook']);
  assert.deepEqual(scope.created, []);
  const outside = (ns: string): string =>
    `namespace ${ns} is outside the scope of app "evil", which may write to evil (its namespace): to allow it, add ${ns} to the namespaces of the app's scope in capstan.yaml`;
  assert.deepEqual(scopeProblems(scope, namespace('kube-system')), [outside('kube-system')]);
  assert.deepEqual(scopeProblems(scope, configMap('x', 'kube-system')), [outside('kube-system')]);
  assert.deepEqual(scopeProblems(scope, configMap('x', 'guestbook')), [outside('guestbook')]);
  // the Namespace object itself is left to apply, which uses an existing namespace as it is
  assert.deepEqual(scopeProblems(scope, namespace('guestbook')), []);
  // an app whose namespace is default may write there, its createNamespace object included
  const inDefault = scopeOf({ name: 'shop', namespace: 'default' }, [namespace('default')]);
  assert.deepEqual([...scopeProblems(inDefault, namespace('default')), ...scopeProblems(inDefault, configMap('x', 'default'))], []);
});

test('an explicit scope grants namespaces by name or pattern, and cluster-scoped kinds', () => {
  const scope = scopeOf({ name: 'platform', namespace: 'monitoring', scope: { name: 'platform', namespaces: ['kube-system', 'team-*'], clusterResources: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }, { group: 'cert-manager.io', kind: '*' }] } });
  assert.deepEqual(scopeProblems(scope, configMap('x', 'kube-system')), []);
  assert.deepEqual(scopeProblems(scope, configMap('x', 'team-blue')), []);
  assert.deepEqual(scopeProblems(scope, cluster('rbac.authorization.k8s.io/v1', 'ClusterRole', 'reader')), []);
  assert.deepEqual(scopeProblems(scope, cluster('cert-manager.io/v1', 'ClusterIssuer', 'letsencrypt')), []);
  assert.deepEqual(scopeProblems(scope, configMap('x', 'default')), [
    'namespace default is outside the scope of app "platform", which may write to monitoring (its namespace) and kube-system, team-* (scope "platform"): to allow it, add default to the namespaces of the app\'s scope in capstan.yaml',
  ]);
  assert.deepEqual(scopeProblems(scope, cluster('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'x')), [
    'cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is outside the scope of app "platform", which may write Namespace, CustomResourceDefinition and rbac.authorization.k8s.io/ClusterRole, cert-manager.io/* (scope "platform"): to allow it, add { group: rbac.authorization.k8s.io, kind: ClusterRoleBinding } to the clusterResources of the app\'s scope in capstan.yaml',
  ]);
});

test("projectAccess: every app's namespace and what scopes grant, for the environments asked, capstan's own left out", () => {
  const project = parseProject(`${header}scopes:
  - { name: platform, namespaces: [kube-system, "team-*", capstan-system], clusterResources: [{ group: rbac.authorization.k8s.io, kind: ClusterRole }] }
apps:
  - { name: web, source: web, namespace: web, environments: { dev: { namespace: web-dev }, prod: } }
  - { name: ops, source: ops, namespace: ops, scope: platform, environments: { prod: } }
  - { name: extra, source: extra, namespace: extra, scope: { namespaces: [shared, "x-*"] } }
`);
  assert.deepEqual(projectAccess(project, ['dev'], { ownNamespace: 'capstan-system' }), {
    namespaces: ['web-dev', 'extra', 'shared'],
    patterns: [{ pattern: 'x-*', scope: 'the scope of app "extra"' }],
    clusterResources: [
      { group: '', kind: 'Namespace' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
    ],
  });
  assert.deepEqual(projectAccess(project, undefined, { ownNamespace: 'capstan-system' }), {
    namespaces: ['web-dev', 'extra', 'shared', 'web', 'ops', 'kube-system'],
    patterns: [
      { pattern: 'x-*', scope: 'the scope of app "extra"' },
      { pattern: 'team-*', scope: 'scope "platform"' },
    ],
    clusterResources: [
      { group: '', kind: 'Namespace' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
    ],
  });
});
