import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CommanderError } from 'commander';
import { parseAllDocuments } from 'yaml';
import { ValidationError, formatKey, keyOf, type Manifest } from '../core/index.ts';
import { createKubeClient, type HttpKubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { kubectl, kubectlSkip, tempDir, writeTemp } from '@capstan/sandbox/testing';
import { installCommand } from './install-command.ts';
import { capstanVersion, formatInstallManifests, installManifests, installNotes, resourceOfKind, type InstallOptions } from './install-manifests.ts';

const testdata = path.join(path.dirname(fileURLToPath(import.meta.url)), 'testdata');
const repo = 'https://git.example.com/acme/deploy.git';

interface Container {
  name: string;
  image: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  volumeMounts: { name: string; mountPath: string }[];
  securityContext: Record<string, unknown>;
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  ports: { name: string; containerPort: number }[];
}
interface PodSpec {
  serviceAccountName: string;
  securityContext: Record<string, unknown>;
  containers: Container[];
  volumes: { name: string; emptyDir?: object; secret?: { secretName: string; optional?: boolean } }[];
  affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { podAffinityTerm: { topologyKey: string } }[] } };
}
interface Rule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

const describeKinds = (manifests: Manifest[]): string[] => manifests.map((m) => formatKey(keyOf(m)));
const find = (manifests: Manifest[], kind: string, name?: string): Manifest | undefined => manifests.find((m) => m.kind === kind && (name === undefined || m.metadata.name === name));
const podSpec = (manifests: Manifest[]): PodSpec => (find(manifests, 'Deployment')!.spec as { template: { spec: PodSpec } }).template.spec;
const container = (manifests: Manifest[]): Container => podSpec(manifests).containers[0]!;
const rules = (m: Manifest | undefined): Rule[] => (m?.rules ?? []) as Rule[];
const grantsEverything = (rule: Rule): boolean => (rule.resources ?? []).includes('*') || (rule.verbs.includes('*') && (rule.apiGroups ?? []).includes('*'));

/** Runs the command with the given arguments; returns the manifests it wrote. */
async function runInstall(args: string[]): Promise<string> {
  let out = '';
  await installCommand((text) => (out += text))
    .exitOverride()
    .configureOutput({ writeErr: () => undefined, writeOut: () => undefined })
    .parseAsync(args, { from: 'user' });
  return out;
}

function commanderMessage(args: string[]): string {
  let err = '';
  try {
    installCommand()
      .exitOverride()
      .configureOutput({ writeErr: (text) => (err += text), writeOut: () => undefined })
      .parse(args, { from: 'user' });
  } catch (error) {
    assert.ok(error instanceof CommanderError, `expected a CommanderError, got ${String(error)}`);
    return err.trim();
  }
  assert.fail(`capstan install ${args.join(' ')} did not fail`);
}

describe('installManifests', () => {
  test('the default install, in apply order: Namespace, ServiceAccount, RBAC, Service, PDB, Deployment', () => {
    const manifests = installManifests({ repo });
    assert.deepEqual(describeKinds(manifests), [
      'Namespace/capstan-system',
      'ServiceAccount/capstan-system/capstan-agent',
      'ClusterRole/capstan-agent-discovery',
      'ClusterRoleBinding/capstan-agent-discovery',
      'ClusterRole/capstan-agent',
      'ClusterRoleBinding/capstan-agent',
      'Role/capstan-system/capstan-agent',
      'RoleBinding/capstan-system/capstan-agent',
      'Service/capstan-system/capstan',
      'PodDisruptionBudget/capstan-system/capstan-agent',
      'Deployment/capstan-system/capstan-agent',
    ]);
    const clusterRole = find(manifests, 'ClusterRole', 'capstan-agent');
    assert.deepEqual(rules(clusterRole), [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    assert.deepEqual(find(manifests, 'ClusterRoleBinding', 'capstan-agent')!.subjects, [{ kind: 'ServiceAccount', name: 'capstan-agent', namespace: 'capstan-system' }]);
  });

  test('every object carries the name, component and version labels', () => {
    const expected = { 'app.kubernetes.io/name': 'capstan', 'app.kubernetes.io/component': 'agent', 'app.kubernetes.io/version': capstanVersion };
    for (const manifest of [...installManifests({ repo }), ...installManifests({ repo, watchNamespaces: ['shop'] })]) {
      assert.deepEqual(manifest.metadata.labels, expected, formatKey(keyOf(manifest)));
    }
    const pinned = installManifests({ repo, version: '1.2.3' });
    assert.ok(pinned.every((m) => m.metadata.labels?.['app.kubernetes.io/version'] === '1.2.3'));
    assert.equal(container(pinned).image, 'ghcr.io/capstan-dev/capstan:1.2.3');
    assert.equal(container(installManifests({ repo })).image, `ghcr.io/capstan-dev/capstan:${capstanVersion}`);
  });

  test('with watch namespaces: a Role and RoleBinding per namespace, and no ClusterRole that grants everything', () => {
    const manifests = installManifests({ repo, watchNamespaces: ['shop', 'blog'] });
    for (const role of manifests.filter((m) => m.kind === 'ClusterRole')) {
      assert.ok(!rules(role).some(grantsEverything), `${formatKey(keyOf(role))} grants * on *`);
      assert.ok(!rules(role).some((r) => r.verbs.some((v) => v !== 'get')), `${formatKey(keyOf(role))} is not read-only`);
    }
    assert.ok(!manifests.some((m) => m.kind === 'ClusterRoleBinding' && (m.roleRef as { name: string }).name === 'capstan-agent'));
    const managed = manifests.filter((m) => m.kind === 'Role' && m.metadata.name === 'capstan-agent-managed');
    assert.deepEqual(
      managed.map((m) => m.metadata.namespace),
      ['shop', 'blog'],
    );
    for (const role of managed) assert.deepEqual(rules(role), [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]);
    const bindings = manifests.filter((m) => m.kind === 'RoleBinding' && m.metadata.name === 'capstan-agent-managed');
    assert.deepEqual(
      bindings.map((m) => [m.metadata.namespace, m.roleRef, m.subjects]),
      ['shop', 'blog'].map((ns) => [ns, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'capstan-agent-managed' }, [{ kind: 'ServiceAccount', name: 'capstan-agent', namespace: 'capstan-system' }]]),
    );
    const discovery = rules(find(manifests, 'ClusterRole', 'capstan-agent-discovery'));
    assert.deepEqual(discovery[0], { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version', '/openapi', '/openapi/*'], verbs: ['get'] });
    assert.deepEqual(discovery[1], { apiGroups: [''], resources: ['namespaces'], resourceNames: ['capstan-system', 'shop', 'blog'], verbs: ['get'] });
    assert.match(installNotes({ repo, watchNamespaces: ['shop', 'blog'] }).join('\n'), /cluster-scoped objects \(CRDs, ClusterRoles, Namespaces\.\.\.\) cannot be managed/);
  });

  test("the agent's own Role: inventories, Leases, and only its two Secrets, read-only", () => {
    for (const options of [{ repo }, { repo, watchNamespaces: ['shop'] }]) {
      const own = find(installManifests({ ...options, repoSecret: 'git-creds', tokensSecret: 'api' }), 'Role', 'capstan-agent');
      assert.equal(own?.metadata.namespace, 'capstan-system');
      assert.deepEqual(rules(own), [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
        { apiGroups: [''], resources: ['secrets'], resourceNames: ['api', 'git-creds'], verbs: ['get'] },
      ]);
    }
  });

  test('the Deployment runs the agent with the repo, branch and environments', () => {
    const manifests = installManifests({ repo, branch: 'release', envs: ['staging', 'prod'], port: 9090, tokensSecret: 'api' });
    assert.deepEqual(container(manifests).args, ['agent', '--repo', repo, '--branch', 'release', '--env', 'staging', '--env', 'prod', '--listen', ':9090', '--tokens-secret', 'capstan-system/api']);
    assert.deepEqual(container(installManifests({ repo })).args, ['agent', '--repo', repo, '--branch', 'main', '--listen', ':8080', '--tokens-secret', 'capstan-system/capstan-api-tokens']);
    assert.deepEqual(container(manifests).ports, [{ name: 'http', containerPort: 9090, protocol: 'TCP' }]);
    const service = find(manifests, 'Service', 'capstan')!.spec as { type: string; ports: unknown[] };
    assert.equal(service.type, 'ClusterIP');
    assert.deepEqual(service.ports, [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
  });

  test('the pod: shard identity, credentials from optional Secrets, probes, hardening, spread across nodes', () => {
    const manifests = installManifests({ repo, repoSecret: 'git-creds' });
    const spec = podSpec(manifests);
    const agent = container(manifests);
    const env = Object.fromEntries(agent.env.map((e) => [e.name, e.value ?? e.valueFrom]));
    assert.deepEqual(env.CAPSTAN_POD_NAME, { fieldRef: { fieldPath: 'metadata.name' } });
    assert.deepEqual(env.CAPSTAN_REPO_TOKEN, { secretKeyRef: { name: 'git-creds', key: 'token', optional: true } });
    assert.equal(env.SOPS_AGE_KEY_FILE, '/etc/capstan/sops/keys.txt');
    const mounts = Object.fromEntries(agent.volumeMounts.map((m) => [m.mountPath, m.name]));
    const volumes = Object.fromEntries(spec.volumes.map((v) => [v.name, v]));
    assert.deepEqual(volumes[mounts['/etc/capstan/ssh']!]!.secret, { secretName: 'git-creds', optional: true, defaultMode: 0o440 });
    assert.deepEqual(volumes[mounts['/etc/capstan/sops']!]!.secret, { secretName: 'capstan-sops-age', optional: true, defaultMode: 0o440 });
    assert.deepEqual(volumes[mounts['/tmp']!]!.emptyDir, {});
    assert.deepEqual(volumes[mounts['/var/cache/capstan']!]!.emptyDir, {});
    assert.deepEqual([agent.readinessProbe.httpGet, agent.livenessProbe.httpGet], [{ path: '/readyz', port: 'http' }, { path: '/healthz', port: 'http' }]);
    assert.deepEqual(agent.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.equal(spec.serviceAccountName, 'capstan-agent');
    assert.equal(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]!.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
    assert.ok((agent as unknown as { resources: { requests: object; limits: object } }).resources.limits);
  });

  test('no Secret and no secret value is ever emitted, only references', () => {
    for (const options of [{ repo }, { repo, watchNamespaces: ['a', 'b'], repoSecret: 'x', tokensSecret: 'y' }] satisfies InstallOptions[]) {
      const manifests = installManifests(options);
      assert.deepEqual(
        manifests.filter((m) => m.kind === 'Secret'),
        [],
      );
      const text = JSON.stringify(manifests);
      assert.doesNotMatch(text, /"(data|stringData)":/);
    }
  });

  test('replicas: a PodDisruptionBudget only when there is more than one', () => {
    const two = installManifests({ repo });
    assert.equal((find(two, 'Deployment')!.spec as { replicas: number }).replicas, 2);
    assert.deepEqual((find(two, 'PodDisruptionBudget')!.spec as object), { minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'capstan', 'app.kubernetes.io/component': 'agent' } } });
    const one = installManifests({ repo, replicas: 1 });
    assert.equal((find(one, 'Deployment')!.spec as { replicas: number }).replicas, 1);
    assert.equal(find(one, 'PodDisruptionBudget'), undefined);
  });

  test('another namespace: everything moves there, cluster-scoped names get it as a suffix; --no-create-namespace omits it', () => {
    const manifests = installManifests({ repo, namespace: 'cd', createNamespace: false });
    assert.deepEqual(describeKinds(manifests).slice(0, 5), [
      'ServiceAccount/cd/capstan-agent',
      'ClusterRole/capstan-agent-discovery-cd',
      'ClusterRoleBinding/capstan-agent-discovery-cd',
      'ClusterRole/capstan-agent-cd',
      'ClusterRoleBinding/capstan-agent-cd',
    ]);
    assert.equal((find(manifests, 'ClusterRoleBinding', 'capstan-agent-cd')!.roleRef as { name: string }).name, 'capstan-agent-cd');
    assert.ok(manifests.filter((m) => !m.kind.startsWith('Cluster')).every((m) => m.metadata.namespace === 'cd'));
    assert.equal(container(manifests).args.at(-1), 'cd/capstan-api-tokens');
  });

  test('bad options fail with a message naming the option', () => {
    const cases: [InstallOptions, string][] = [
      [{ repo, watchNamespaces: ['shop', 'Bad_NS'] }, `--watch-namespaces: "Bad_NS" is not a valid namespace name: it must be at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit`],
      [{ repo, watchNamespaces: ['shop', ''] }, `--watch-namespaces: "" is not a valid namespace name: it must be at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit`],
      [{ repo, watchNamespaces: ['shop', 'shop'] }, '--watch-namespaces: "shop" is given twice'],
      [{ repo, watchNamespaces: [] }, '--watch-namespaces needs at least one namespace (omit it to manage the whole cluster)'],
      [{ repo, replicas: 0 }, '--replicas must be a whole number from 1 to 100, got 0'],
      [{ repo, replicas: 1.5 }, '--replicas must be a whole number from 1 to 100, got 1.5'],
      [{ repo, port: 70000 }, '--port must be a whole number from 1 to 65535, got 70000'],
      [{ repo: '' }, '--repo is required: the URL of the config repo the agent reconciles'],
      [{ repo, namespace: 'Capstan' }, `--namespace: "Capstan" is not a valid namespace name: it must be at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit`],
      [{ repo, envs: ['prod', 'prod'] }, '--env: "prod" is given twice'],
      [{ repo, repoSecret: 'Git Creds' }, `--repo-secret: "Git Creds" is not a valid Secret name: it must be at most 253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`],
      [{ repo, branch: '--force' }, `--branch: "--force" is not a valid branch name: it cannot start with '-'`],
    ];
    for (const [options, message] of cases) {
      assert.throws(() => installManifests(options), (error: unknown) => error instanceof ValidationError && error.message === message, JSON.stringify(options));
    }
  });

  test('a repo URL with a credential in it is refused without repeating the credential', () => {
    assert.throws(
      () => installManifests({ repo: 'https://bot:s3cr3t-token@git.example.com/acme/deploy.git' }),
      (error: unknown) => error instanceof ValidationError && error.message.startsWith('--repo must not carry credentials') && !error.message.includes('s3cr3t'),
    );
    assert.doesNotThrow(() => installManifests({ repo: 'git@github.com:acme/deploy.git' }));
    assert.doesNotThrow(() => installManifests({ repo: 'ssh://git@github.com/acme/deploy.git' }));
  });

  test("with the cluster-scoped kinds the apps' scopes allow: a ClusterRole with exactly those kinds, read and write, next to a Role per namespace", () => {
    const clusterResources = [
      { group: '', kind: 'Namespace' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      { group: 'cert-manager.io', kind: '*' },
    ];
    const manifests = installManifests({ repo, watchNamespaces: ['web', 'kube-system'], clusterResources });
    assert.deepEqual(describeKinds(manifests).slice(2, 8), [
      'ClusterRole/capstan-agent-discovery',
      'ClusterRoleBinding/capstan-agent-discovery',
      'ClusterRole/capstan-agent',
      'ClusterRoleBinding/capstan-agent',
      'Role/capstan-system/capstan-agent',
      'RoleBinding/capstan-system/capstan-agent',
    ]);
    const verbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    assert.deepEqual(rules(find(manifests, 'ClusterRole', 'capstan-agent')), [
      { apiGroups: [''], resources: ['namespaces'], verbs },
      { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles', 'clusterrolebindings'], verbs },
      { apiGroups: ['cert-manager.io'], resources: ['*'], verbs },
    ]);
    assert.deepEqual(
      manifests.filter((m) => m.kind === 'Role' && m.metadata.name === 'capstan-agent-managed').map((m) => m.metadata.namespace),
      ['web', 'kube-system'],
    );
    assert.equal(
      installNotes({ repo, watchNamespaces: ['web', 'kube-system'], clusterResources }).at(-1),
      "RBAC is limited to what the apps' scopes allow: the namespaces web, kube-system (they must exist), and the cluster-scoped kinds Namespace, apiextensions.k8s.io/CustomResourceDefinition, rbac.authorization.k8s.io/ClusterRole, rbac.authorization.k8s.io/ClusterRoleBinding, cert-manager.io/*.",
    );
    assert.throws(() => installManifests({ repo, clusterResources }), {
      name: 'ValidationError',
      message: 'cluster-scoped kinds are granted one by one only with watch namespaces (--scopes-from sets both); without them the agent gets every kind everywhere',
    });
  });

  test("a kind's resource name is guessed as kubectl guesses it", () => {
    assert.deepEqual(
      ['Namespace', 'StorageClass', 'ValidatingAdmissionPolicy', 'ClusterIssuer', 'PriorityLevelConfiguration'].map(resourceOfKind),
      ['namespaces', 'storageclasses', 'validatingadmissionpolicies', 'clusterissuers', 'prioritylevelconfigurations'],
    );
  });

  test('matches the reviewed fixture for a namespaced install', () => {
    const manifests = installManifests({ repo, branch: 'main', envs: ['prod'], watchNamespaces: ['shop', 'blog'], version: '0.0.0-test' });
    const expected = readFileSync(path.join(testdata, 'install-watch-namespaces.yaml'), 'utf8');
    assert.equal(formatInstallManifests(manifests, 'yaml'), expected);
  });
});

describe('capstan install (command)', () => {
  test('prints multi-document YAML, notes as comments first, that parses back to the manifests', async () => {
    const out = await runInstall(['--repo', repo, '--env', 'dev,staging', '--env', 'prod', '--watch-namespaces', 'shop,blog', '--replicas', '3']);
    assert.match(out, /^# capstan agent .*: apply with `kubectl apply -f -`\.\n# These manifests reference Secrets but never create them/);
    assert.match(out, /kubectl -n capstan-system create secret generic capstan-repo --from-literal=token=<token>/);
    const docs = parseAllDocuments(out).map((d) => d.toJS() as Manifest);
    assert.deepEqual(docs, installManifests({ repo, envs: ['dev', 'staging', 'prod'], watchNamespaces: ['shop', 'blog'], replicas: 3 }));
  });

  test("--scopes-from grants what the apps' scopes allow, for the environments given, and nothing in the agent's own namespace", async () => {
    const dir = tempDir('capstan-install-scopes-');
    try {
      writeTemp(
        dir,
        'capstan.yaml',
        `apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: dev }, { name: prod }]
scopes:
  - name: platform
    namespaces: [kube-system, capstan-system]
    clusterResources: [{ group: rbac.authorization.k8s.io, kind: ClusterRoleBinding }]
apps:
  - { name: web, source: web, namespace: web, environments: { dev: { namespace: web-dev }, prod: } }
  - { name: ops, source: ops, namespace: ops, scope: platform, environments: { prod: } }
`,
      );
      const prod = parseAllDocuments(await runInstall(['--repo', repo, '--env', 'prod', '--scopes-from', dir])).map((d) => d.toJS() as Manifest);
      const clusterResources = [
        { group: '', kind: 'Namespace' },
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
        { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      ];
      assert.deepEqual(prod, installManifests({ repo, envs: ['prod'], watchNamespaces: ['web', 'ops', 'kube-system'], clusterResources }));
      assert.ok(!prod.some((m) => m.kind === 'Role' && m.metadata.name === 'capstan-agent-managed' && m.metadata.namespace === 'capstan-system'));
      const dev = parseAllDocuments(await runInstall(['--repo', repo, '--env', 'dev', '--scopes-from', dir])).map((d) => d.toJS() as Manifest);
      assert.deepEqual(dev, installManifests({ repo, envs: ['dev'], watchNamespaces: ['web-dev'], clusterResources: clusterResources.slice(0, 2) }));

      writeTemp(dir, 'capstan.yaml', `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\nscopes: [{ name: teams, namespaces: ["team-*"] }]\napps:\n  - { name: web, source: web, namespace: web, scope: teams }\n`);
      await assert.rejects(runInstall(['--repo', repo, '--scopes-from', dir]), {
        name: 'ValidationError',
        message: '--scopes-from: scope "teams" grants the namespaces matching team-*, and RBAC cannot grant a pattern: list those namespaces by name in the scope, or install without --scopes-from (every kind everywhere)',
      });
      await assert.rejects(runInstall(['--repo', repo, '--scopes-from', dir, '--watch-namespaces', 'web']), {
        name: 'ValidationError',
        message: '--scopes-from and --watch-namespaces cannot be combined: --scopes-from lists the namespaces from capstan.yaml',
      });
      await assert.rejects(runInstall(['--repo', repo, '--scopes-from', path.join(dir, 'nowhere')]), {
        name: 'NotFoundError',
        message: `--scopes-from: no capstan.yaml in ${path.join(dir, 'nowhere')}: give a checkout of the config repo`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--scopes-from expands directories generators from the checkout: one namespace per generated app', async () => {
    const dir = tempDir('capstan-install-generated-');
    try {
      writeTemp(dir, 'capstan.yaml', `apiVersion: capstan.dev/v1alpha1
kind: Project
environments: [{ name: prod }]
generators:
  - directories: apps/*
    template: { name: "{{dir.name}}", source: "{{dir.path}}", namespace: "team-{{dir.name}}" }
`);
      for (const app of ['shop', 'blog']) {
        mkdirSync(path.join(dir, 'apps', app), { recursive: true });
        writeTemp(path.join(dir, 'apps', app), 'cm.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ${app} }\n`);
      }
      const prod = parseAllDocuments(await runInstall(['--repo', repo, '--env', 'prod', '--scopes-from', dir])).map((d) => d.toJS() as Manifest);
      const clusterResources = [
        { group: '', kind: 'Namespace' },
        { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      ];
      assert.deepEqual(prod, installManifests({ repo, envs: ['prod'], watchNamespaces: ['team-blog', 'team-shop'], clusterResources }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('-o json prints one v1 List', async () => {
    const out = JSON.parse(await runInstall(['--repo', repo, '-o', 'json', '--no-create-namespace', '-n', 'cd', '--replicas', '1'])) as { apiVersion: string; kind: string; items: Manifest[] };
    assert.equal(out.kind, 'List');
    assert.deepEqual(out.items, installManifests({ repo, namespace: 'cd', createNamespace: false, replicas: 1 }));
  });

  test('bad options: clear errors naming the option', async () => {
    await assert.rejects(runInstall(['--repo', repo, '--replicas', '0']), { name: 'ValidationError', message: '--replicas must be a whole number from 1 to 100, got 0' });
    await assert.rejects(runInstall(['--repo', repo, '--watch-namespaces', 'shop,Not_A_Name']), {
      name: 'ValidationError',
      message: `--watch-namespaces: "Not_A_Name" is not a valid namespace name: it must be at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit`,
    });
    await assert.rejects(runInstall(['--watch-namespaces', 'shop']), { name: 'ValidationError', message: '--repo is required: the URL of the config repo the agent reconciles' });
    assert.equal(commanderMessage(['--repo', repo, '--replicas', 'two']), `error: option '--replicas <count>' argument 'two' is invalid. "two" is not a whole number`);
    assert.equal(commanderMessage(['--repo', repo, '-o', 'table']), `error: option '-o, --output <format>' argument 'table' is invalid. Allowed choices are yaml, json.`);
  });
});

describe('install manifests against the sandbox API server', () => {
  let sandbox: Sandbox;
  let client: HttpKubeClient;
  let dir: string;
  let kubeconfig: string;

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'install-test', podReadyDelayMs: 20 });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
    dir = tempDir('capstan-install-');
    kubeconfig = writeTemp(dir, 'kubeconfig', sandbox.kubeconfig);
  });
  after(async () => {
    client?.close();
    await sandbox?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Namespaces are created for real (a dry-run one would not exist for what follows); everything else is dry-run. */
  async function dryRunAll(manifests: Manifest[], existing: string[]): Promise<string[]> {
    for (const name of existing) await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const rejected: string[] = [];
    for (const manifest of manifests) {
      try {
        if (manifest.kind === 'Namespace') await client.apply(manifest);
        else await client.apply(manifest, { dryRun: true });
      } catch (error) {
        rejected.push((error as Error).message);
      }
    }
    return rejected;
  }

  test('every manifest of a cluster-wide install passes server-side dry-run', async () => {
    const manifests = installManifests({ repo, envs: ['prod'] });
    assert.deepEqual(await dryRunAll(manifests, []), []);
    // Dry-run persisted nothing but the Namespace.
    assert.equal(await client.get('apps/v1', { group: 'apps', kind: 'Deployment', namespace: 'capstan-system', name: 'capstan-agent' }), undefined);
  });

  test('every manifest of a namespaced install, in another namespace, passes server-side dry-run', async () => {
    const manifests = installManifests({ repo, namespace: 'cd-agent', watchNamespaces: ['shop', 'blog'], replicas: 1 });
    assert.deepEqual(await dryRunAll(manifests, ['shop', 'blog']), []);
  });

  test("every manifest of an install limited to the apps' scopes passes server-side dry-run", async () => {
    const clusterResources = [
      { group: '', kind: 'Namespace' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      { group: 'cert-manager.io', kind: '*' },
    ];
    const manifests = installManifests({ repo, namespace: 'cd-scoped', watchNamespaces: ['scoped-web', 'kube-system'], clusterResources });
    assert.deepEqual(await dryRunAll(manifests, ['scoped-web']), []);
  });

  test('the dry-run is a real check: an invalid object is rejected', async () => {
    const manifests = installManifests({ repo, namespace: 'cd-broken', watchNamespaces: ['shop'] });
    const binding = find(manifests, 'RoleBinding', 'capstan-agent-managed')!;
    binding.roleRef = { apiGroup: 'rbac.authorization.k8s.io', kind: 'Secret', name: 'x' };
    const rejected = await dryRunAll(manifests, ['shop']);
    assert.equal(rejected.length, 1);
    assert.match(rejected[0]!, /^RoleBinding\/shop\/capstan-agent-managed /);
  });

  test('kubectl apply --server-side --dry-run=server accepts the printed YAML and JSON', { skip: kubectlSkip }, async () => {
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-kubectl' } });
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
    const yaml = await runInstall(['--repo', repo, '-n', 'capstan-kubectl', '--no-create-namespace', '--watch-namespaces', 'web', '--env', 'prod']);
    const fromYaml = await kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '-f', '-'], { input: yaml });
    assert.equal(fromYaml.code, 0, fromYaml.stderr);
    assert.match(fromYaml.stdout, /deployment\.apps\/capstan-agent serverside-applied \(server dry run\)/);
    assert.equal(fromYaml.stdout.trim().split('\n').length, installManifests({ repo, namespace: 'capstan-kubectl', createNamespace: false, watchNamespaces: ['web'] }).length);
    const json = await runInstall(['--repo', repo, '-n', 'capstan-kubectl', '--no-create-namespace', '-o', 'json']);
    // kubectl validates a `v1 List` client-side against /openapi/v2, which the sandbox does not serve
    // (it serves /openapi/v3); the server still dry-runs every item.
    const fromJson = await kubectl(kubeconfig, ['apply', '--server-side', '--dry-run=server', '--validate=false', '-f', '-'], { input: json });
    assert.equal(fromJson.code, 0, fromJson.stderr);
    assert.match(fromJson.stdout, /clusterrole\.rbac\.authorization\.k8s\.io\/capstan-agent-capstan-kubectl serverside-applied \(server dry run\)/);
  });

  test('applied for real, the agent Deployment rolls out', { skip: kubectlSkip }, async () => {
    const yaml = await runInstall(['--repo', repo, '-n', 'capstan-live']);
    const applied = await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], { input: yaml });
    assert.equal(applied.code, 0, applied.stderr);
    const rollout = await kubectl(kubeconfig, ['-n', 'capstan-live', 'rollout', 'status', 'deployment/capstan-agent', '--timeout=30s']);
    assert.equal(rollout.code, 0, rollout.stderr);
    assert.match(rollout.stdout, /successfully rolled out/);
  });
});
