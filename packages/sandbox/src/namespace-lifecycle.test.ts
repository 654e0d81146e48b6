// The NamespaceLifecycle admission of a real kube-apiserver: default, kube-system and kube-public
// may not be deleted, and nothing new is created in a namespace being terminated. The answers are
// the Status objects a real server sends (apiserver's admission/plugin/namespace/lifecycle and
// apierrors.NewForbidden), checked over HTTP and with kubectl.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch, type Response } from 'undici';
import { startSandbox, type Sandbox } from './index.ts';
import { kubectl, kubectlSkip, tempDir } from './testing.ts';

describe('namespace lifecycle', () => {
  let sandbox: Sandbox;
  let kubeconfig: string;
  let agent: Agent;
  const auth = { authorization: 'Bearer t' };

  function request(method: string, url: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    return fetch(`${sandbox.url}${url}`, { dispatcher: agent, method, headers: { ...auth, 'content-type': contentType }, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  async function terminatingNamespace(name: string): Promise<void> {
    assert.equal((await request('POST', '/api/v1/namespaces', { metadata: { name } })).status, 201);
    // a finalizer nobody removes keeps the namespace Terminating for as long as the test needs
    const held = await request('POST', `/api/v1/namespaces/${name}/configmaps`, { metadata: { name: 'held', finalizers: ['test.capstan.dev/hold'] } });
    assert.equal(held.status, 201);
    assert.equal((await request('DELETE', `/api/v1/namespaces/${name}`)).status, 200);
    const namespace = (await (await request('GET', `/api/v1/namespaces/${name}`)).json()) as { status: { phase: string } };
    assert.equal(namespace.status.phase, 'Terminating');
  }

  before(async () => {
    kubeconfig = path.join(tempDir(), 'kubeconfig');
    sandbox = await startSandbox({ port: 0, token: 't', kubeconfigOut: kubeconfig });
    agent = new Agent({ connect: { ca: sandbox.ca } });
  });
  after(async () => {
    await agent?.close();
    await sandbox?.stop();
    rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
  });

  test('default, kube-system and kube-public may not be deleted (dry-run included); kube-node-lease may, as on a real server', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      for (const query of ['', '?dryRun=All']) {
        const response = await request('DELETE', `/api/v1/namespaces/${name}${query}`);
        assert.equal(response.status, 403);
        assert.deepEqual(await response.json(), {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `namespaces "${name}" is forbidden: this namespace may not be deleted`,
          reason: 'Forbidden',
          details: { name, kind: 'namespaces' },
          code: 403,
        });
      }
      const still = (await (await request('GET', `/api/v1/namespaces/${name}`)).json()) as { metadata: { deletionTimestamp?: string } };
      assert.equal(still.metadata.deletionTimestamp, undefined);
    }
    // the NamespaceLifecycle plugin protects only those three (kubernetes/kubernetes#105743)
    assert.equal((await request('DELETE', '/api/v1/namespaces/kube-node-lease?dryRun=All')).status, 200);
  });

  test('kubectl delete namespace default is refused as by a real server', { skip: kubectlSkip }, async () => {
    const result = await kubectl(kubeconfig, ['delete', 'namespace', 'default']);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Error from server (Forbidden): namespaces "default" is forbidden: this namespace may not be deleted\n');
  });

  test('a create in a namespace being terminated is 403 Forbidden with the object named and a NamespaceTerminating cause', async () => {
    await terminatingNamespace('leaving');
    const created = await request('POST', '/apis/apps/v1/namespaces/leaving/deployments', { metadata: { name: 'api' } });
    assert.equal(created.status, 403);
    assert.deepEqual(await created.json(), {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'deployments.apps "api" is forbidden: unable to create new content in namespace leaving because it is being terminated',
      reason: 'Forbidden',
      details: {
        name: 'api',
        group: 'apps',
        kind: 'deployments',
        causes: [{ reason: 'NamespaceTerminating', message: 'namespace leaving is being terminated', field: 'metadata.namespace' }],
      },
      code: 403,
    });
    // a server-side apply that would create the object is a create too
    const applied = await request('PATCH', '/api/v1/namespaces/leaving/configmaps/new?fieldManager=capstan', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' } }, 'application/apply-patch+yaml');
    assert.equal(applied.status, 403);
    assert.equal(((await applied.json()) as { message: string }).message, 'configmaps "new" is forbidden: unable to create new content in namespace leaving because it is being terminated');
    // without a name yet (generateName), apierrors.NewForbidden leaves the name out
    const generated = await request('POST', '/api/v1/namespaces/leaving/configmaps', { metadata: { generateName: 'g-' } });
    assert.equal(generated.status, 403);
    const status = (await generated.json()) as { message: string; details: Record<string, unknown> };
    assert.equal(status.message, 'configmaps is forbidden: unable to create new content in namespace leaving because it is being terminated');
    assert.equal(status.details.name, undefined);
    // what is already there can still be changed (its finalizer removed, so the namespace goes)
    const released = await request('PATCH', '/api/v1/namespaces/leaving/configmaps/held', { metadata: { finalizers: null } }, 'application/merge-patch+json');
    assert.equal(released.status, 200);
  });

  test('kubectl apply --server-side into a namespace being terminated gets the real server\'s message', { skip: kubectlSkip }, async () => {
    await terminatingNamespace('going');
    const result = await kubectl(kubeconfig, ['apply', '--server-side', '-f', '-'], { input: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  namespace: going\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'Error from server (Forbidden): configmaps "late" is forbidden: unable to create new content in namespace going because it is being terminated\n');
  });
});
