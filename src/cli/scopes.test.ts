// Scopes, attacked as someone who can commit to the config repo: an app that writes capstan's token
// Secret, another app's inventory, a ConfigMap in kube-system or a ClusterRoleBinding to
// cluster-admin is refused by `capstan validate` (exit 1, the object and the rule named) and by
// `capstan apply`, which writes nothing; what a scope grants explicitly is applied.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createKubeClient, type HttpKubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { commit, makeRepo } from '../source/testing.ts';

const bin = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'capstan.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const project = (scopes: string, apps: string): string => `apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments:\n  - name: dev\n${scopes}apps:\n${apps}`;

const attacks = {
  'apps/guestbook/settings.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: { color: blue }\n',
  // replaces the Secret behind --tokens-secret with an admin token of its own
  'apps/tokens/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: capstan-api-tokens\n  namespace: capstan-system\nstringData:\n  attacker: "admin:attacker-token-0123456789"\n',
  // overwrites the inventory of another app
  'apps/inventory/inventory.yaml':
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: capstan.guestbook.dev\n  namespace: capstan-system\ndata:\n  inventory.json: "{}"\n',
  // a Namespace object for kube-system does not make it a namespace the app creates
  'apps/kube/namespace.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: kube-system\n',
  'apps/kube/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: planted\n  namespace: kube-system\ndata: { a: "1" }\n',
  'apps/admin/binding.yaml':
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: attacker-admin\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\nsubjects: [{ kind: ServiceAccount, name: default, namespace: admin }]\n',
};

const hostileApps = `  - { name: guestbook, source: apps/guestbook, namespace: guestbook, createNamespace: true }
  - { name: tokens, source: apps/tokens, namespace: tokens }
  - { name: inventory, source: apps/inventory, namespace: inventory }
  - { name: kube, source: apps/kube, namespace: kube }
  - { name: admin, source: apps/admin, namespace: admin }
`;

const refusals = {
  tokens:
    "apps/tokens/secret.yaml: Secret/capstan-system/capstan-api-tokens: is in capstan-system, capstan's own namespace (inventories, Leases, token Secrets): no app may write there, whatever its scope says",
  inventory:
    "apps/inventory/inventory.yaml: ConfigMap/capstan-system/capstan.guestbook.dev: is in capstan-system, capstan's own namespace (inventories, Leases, token Secrets): no app may write there, whatever its scope says",
  kube: [
    'the render has 2 problems:',
    '  apps/kube/namespace.yaml: Namespace/kube-system: namespace kube-system is outside the scope of app "kube", which may write to kube (its namespace): to allow it, add kube-system to the namespaces of the app\'s scope in capstan.yaml',
    '  apps/kube/configmap.yaml: ConfigMap/kube-system/planted: namespace kube-system is outside the scope of app "kube", which may write to kube (its namespace): to allow it, add kube-system to the namespaces of the app\'s scope in capstan.yaml',
  ].join('\n'),
  admin:
    'apps/admin/binding.yaml: ClusterRoleBinding/attacker-admin: cluster-scoped kind rbac.authorization.k8s.io/ClusterRoleBinding is outside the scope of app "admin", which may write Namespace and CustomResourceDefinition: to allow it, add { group: rbac.authorization.k8s.io, kind: ClusterRoleBinding } to the clusterResources of the app\'s scope in capstan.yaml',
} as const;

describe('scopes: an app writes only where capstan.yaml lets it', () => {
  let sandbox: Sandbox;
  let client: HttpKubeClient;
  let work: string;
  let kubeconfig: string;
  let repoDir: string;

  function capstan(args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, [bin, ...args, '--repo', repoDir], { cwd: repoDir, env: { ...process.env, CAPSTAN_CACHE_DIR: path.join(work, 'cache'), CAPSTAN_USER: 'scope-test' } }, (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  const cm = (namespace: string, name: string) => ({ group: '', kind: 'ConfigMap', namespace, name });

  before(async () => {
    sandbox = await startSandbox({ port: 0, token: 'scopes-test', podReadyDelayMs: 20 });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
    work = mkdtempSync(path.join(os.tmpdir(), 'capstan-scopes-'));
    kubeconfig = path.join(work, 'kubeconfig');
    writeFileSync(kubeconfig, sandbox.kubeconfig);
    repoDir = (await makeRepo({ 'capstan.yaml': project('', hostileApps), ...attacks })).dir;
    // what the attacks aim at: the agent's token Secret, and guestbook's inventory once it is synced
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } }, { fieldManager: 'kubectl' });
    await client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'capstan-api-tokens', namespace: 'capstan-system' }, stringData: { ops: 'admin:the-real-admin-token-0123' } }, { fieldManager: 'kubectl' });
  });
  after(async () => {
    client?.close();
    await sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('validate refuses each of the four attacks, naming the file, the object and the rule, and exits 1', async () => {
    const result = await capstan(['validate']);
    assert.equal(result.code, 1, result.stdout);
    const indent = (text: string): string => text.replaceAll('\n', '\n    ');
    assert.equal(
      result.stderr,
      `error: 4 problems in the config repo:\n${(['tokens', 'inventory', 'kube', 'admin'] as const).map((app) => `  - app "${app}" in environment "dev": ${indent(refusals[app])}`).join('\n')}\n`,
    );
  });

  test('apply refuses each attack with the same message and writes nothing', async () => {
    const guestbook = await capstan(['apply', 'guestbook', '--env', 'dev', '--kubeconfig', kubeconfig]);
    assert.equal(guestbook.code, 0, guestbook.stderr);
    const inventoryBefore = await client.get('v1', cm('capstan-system', 'capstan.guestbook.dev'));
    const secretBefore = await client.get('v1', { group: '', kind: 'Secret', namespace: 'capstan-system', name: 'capstan-api-tokens' });
    assert.ok(inventoryBefore && secretBefore);

    for (const app of ['tokens', 'inventory', 'kube', 'admin'] as const) {
      const result = await capstan(['apply', app, '--env', 'dev', '--kubeconfig', kubeconfig]);
      assert.equal(result.code, 1, `${app}: ${result.stdout}`);
      assert.ok(result.stderr.endsWith(`\nerror: ${refusals[app]}\n`), `${app}:\n${result.stderr}`);
    }

    const secretAfter = await client.get('v1', { group: '', kind: 'Secret', namespace: 'capstan-system', name: 'capstan-api-tokens' });
    assert.deepEqual(Object.keys((secretAfter?.data ?? {}) as object), ['ops'], 'the token Secret is as it was');
    assert.equal(secretAfter?.metadata.resourceVersion, secretBefore.metadata.resourceVersion);
    assert.equal((await client.get('v1', cm('capstan-system', 'capstan.guestbook.dev')))?.metadata.resourceVersion, inventoryBefore.metadata.resourceVersion, "guestbook's inventory is as it was");
    assert.equal(await client.get('v1', cm('kube-system', 'planted')), undefined);
    assert.equal(await client.get('rbac.authorization.k8s.io/v1', { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespace: '', name: 'attacker-admin' }), undefined);
    for (const app of ['tokens', 'inventory', 'kube', 'admin']) {
      const inventory = await client.get('v1', cm('capstan-system', `capstan.${app}.dev`));
      const objects = inventory ? (JSON.parse((inventory.data as Record<string, string>)['inventory.json']!) as { objects: unknown[] }).objects : [];
      assert.deepEqual(objects, [], `app ${app} applied nothing`);
    }
  });

  test('what a scope grants is applied: a namespace by name or pattern, a cluster-scoped kind; capstan-system stays out of reach', async () => {
    const scopes = `scopes:
  - name: platform
    namespaces: [kube-system, "team-*"]
    clusterResources:
      - { group: rbac.authorization.k8s.io, kind: ClusterRoleBinding }
`;
    const apps = `  - { name: platform, source: apps/platform, namespace: platform, createNamespace: true, scope: platform }
  - { name: greedy, source: apps/tokens, namespace: greedy, scope: { namespaces: ["*"], clusterResources: [{ group: "*", kind: "*" }] } }
`;
    await commit(repoDir, {
      'capstan.yaml': project(scopes, apps),
      'apps/platform/kube.yaml': attacks['apps/kube/configmap.yaml'],
      'apps/platform/team.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-blue\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\n  namespace: team-blue\n',
      'apps/platform/binding.yaml': attacks['apps/admin/binding.yaml'].replace('namespace: admin', 'namespace: platform'),
    });
    const validated = await capstan(['validate']);
    assert.equal(validated.code, 1);
    assert.equal(validated.stderr, `error: 1 problem in the config repo:\n  - app "greedy" in environment "dev": ${refusals.tokens}\n`);

    const applied = await capstan(['apply', 'platform', '--env', 'dev', '--kubeconfig', kubeconfig]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.ok(await client.get('v1', cm('kube-system', 'planted')));
    assert.ok(await client.get('v1', cm('team-blue', 'shared')));
    assert.ok(await client.get('rbac.authorization.k8s.io/v1', { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', namespace: '', name: 'attacker-admin' }));

    const greedy = await capstan(['apply', 'greedy', '--env', 'dev', '--kubeconfig', kubeconfig]);
    assert.equal(greedy.code, 1);
    assert.ok(greedy.stderr.endsWith(`\nerror: ${refusals.tokens}\n`), greedy.stderr);
    const secret = await client.get('v1', { group: '', kind: 'Secret', namespace: 'capstan-system', name: 'capstan-api-tokens' });
    assert.deepEqual(Object.keys((secret?.data ?? {}) as object), ['ops']);
  });
  test('a Namespace object makes a namespace its own only when the app creates it, never one another app created', async () => {
    const apps = `  - { name: guestbook, source: apps/guestbook, namespace: guestbook, createNamespace: true }
  - { name: squatter, source: apps/squatter, namespace: squatter, createNamespace: true }
`;
    const extra = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: squatter-extra\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache\n  namespace: squatter-extra\n';
    await commit(repoDir, { 'capstan.yaml': project('', apps), 'apps/squatter/extra.yaml': extra });
    for (const round of ['creates', 'finds its own']) {
      const applied = await capstan(['apply', 'squatter', '--env', 'dev', '--kubeconfig', kubeconfig]);
      assert.equal(applied.code, 0, `${round}: ${applied.stderr}`);
    }
    assert.ok(await client.get('v1', cm('squatter-extra', 'cache')));

    const grab =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: guestbook\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: read-secrets\n  namespace: guestbook\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }\nsubjects: [{ kind: ServiceAccount, name: default, namespace: squatter }]\n';
    await commit(repoDir, { 'apps/squatter/grab.yaml': grab });
    // offline, whether guestbook exists and who made it is unknown: validate leaves it to apply
    const validated = await capstan(['validate']);
    assert.equal(validated.code, 0, validated.stderr);
    const refused = await capstan(['apply', 'squatter', '--env', 'dev', '--kubeconfig', kubeconfig]);
    assert.equal(refused.code, 1);
    assert.ok(
      refused.stderr.endsWith(
        '\nerror: apps/squatter/grab.yaml#1: RoleBinding/guestbook/read-secrets: namespace guestbook is outside the scope of app "squatter", which may write to squatter (its namespace) and squatter-extra (its Namespace objects): to allow it, add guestbook to the namespaces of the app\'s scope in capstan.yaml\n',
      ),
      refused.stderr,
    );
    assert.equal(await client.get('rbac.authorization.k8s.io/v1', { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', namespace: 'guestbook', name: 'read-secrets' }), undefined);
  });
});
