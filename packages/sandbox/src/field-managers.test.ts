// Who a write is recorded under, as a real kube-apiserver (>= 1.22) records it: the fieldManager
// parameter, else the User-Agent's name (`kubectl scale` sends none: `kubectl`); a write through
// the scale subresource is the writer's Update entry with `subresource: scale`, and takes
// .spec.replicas from every other manager. Checked with real kubectl.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Agent, fetch } from 'undici';
import { startSandbox, type Sandbox } from './index.ts';
import { kubectl, kubectlSkip, tempDir } from './testing.ts';
import type { ManagedFieldsEntry } from './types.ts';

interface Live {
  metadata: { resourceVersion: string; managedFields: ManagedFieldsEntry[] };
  spec: { replicas: number };
}

const deployment = (ns: string, replicas: number): string =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    `metadata: { name: web, namespace: ${ns} }`,
    'spec:',
    `  replicas: ${replicas}`,
    '  selector: { matchLabels: { app: web } }',
    '  template:',
    '    metadata: { labels: { app: web } }',
    '    spec: { containers: [{ name: web, image: "nginx:1.27" }] }',
    '',
  ].join('\n');

describe('field managers', () => {
  let sandbox: Sandbox;
  let kubeconfig: string;
  let agent: Agent;
  const k = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) => kubectl(kubeconfig, args, options);

  async function live(ns: string): Promise<Live> {
    const result = await k(['get', 'deployment', 'web', '-n', ns, '-o', 'json', '--show-managed-fields']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout) as Live;
  }

  async function applied(ns: string, replicas = 2): Promise<void> {
    assert.equal((await k(['create', 'namespace', ns])).code, 0);
    const result = await k(['apply', '--server-side', '-f', '-'], { input: deployment(ns, replicas) });
    assert.equal(result.code, 0, result.stderr);
  }

  const entriesOf = (object: Live, manager: string) => object.metadata.managedFields.filter((m) => m.manager === manager);

  before(async () => {
    kubeconfig = path.join(tempDir(), 'kubeconfig');
    sandbox = await startSandbox({ port: 0, token: 't', kubeconfigOut: kubeconfig, podReadyDelayMs: 30 });
    agent = new Agent({ connect: { ca: sandbox.ca } });
  });
  after(async () => {
    await agent?.close();
    await sandbox?.stop();
    rmSync(path.dirname(kubeconfig), { recursive: true, force: true });
  });

  test('kubectl scale is recorded as "kubectl", Update on the scale subresource, and takes .spec.replicas from the applier', { skip: kubectlSkip }, async () => {
    await applied('scaled');
    const scaled = await k(['scale', 'deployment', 'web', '-n', 'scaled', '--replicas', '5']);
    assert.equal(scaled.code, 0, scaled.stderr);
    const object = await live('scaled');
    assert.equal(object.spec.replicas, 5);
    assert.deepEqual(entriesOf(object, 'kubectl'), [
      {
        apiVersion: 'apps/v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:spec': { 'f:selector': {}, 'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } },
        manager: 'kubectl',
        operation: 'Apply',
        time: entriesOf(object, 'kubectl')[0]!.time,
      },
      // no time: apiserver's ScaleHandler takes times from the parent's entries, which have none for it
      { apiVersion: 'apps/v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, manager: 'kubectl', operation: 'Update', subresource: 'scale' },
    ]);
    assert.ok(!object.metadata.managedFields.some((m) => m.manager === 'unknown'));

    // so a second apply of 2 replicas conflicts, as on a real server
    const again = await k(['apply', '--server-side', '-f', '-'], { input: deployment('scaled', 2) });
    assert.equal(again.code, 1);
    assert.equal(again.stderr.split('\n')[0], 'error: Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');

    // scaling to the number it has writes nothing
    const same = await k(['scale', 'deployment', 'web', '-n', 'scaled', '--replicas', '5']);
    assert.equal(same.code, 0, same.stderr);
    assert.equal((await live('scaled')).metadata.resourceVersion, object.metadata.resourceVersion);
  });

  test('kubectl label, annotate, patch and edit are recorded under the managers they name', { skip: kubectlSkip }, async () => {
    await applied('edited');
    for (const args of [
      ['label', 'deployment', 'web', 'tier=front'],
      ['annotate', 'deployment', 'web', 'note=hi'],
      ['patch', 'deployment', 'web', '-p', '{"spec":{"minReadySeconds":3}}'],
    ]) {
      const result = await k([...args, '-n', 'edited']);
      assert.equal(result.code, 0, result.stderr);
    }
    const edit = await k(['edit', 'deployment', 'web', '-n', 'edited'], { env: { KUBE_EDITOR: 'sed -i s/nginx:1.27/nginx:1.28/' } });
    assert.equal(edit.code, 0, edit.stderr);
    const object = await live('edited');
    const fields = (manager: string) => entriesOf(object, manager).map((m) => [m.operation, m.subresource, m.fieldsV1]);
    assert.deepEqual(fields('kubectl-label'), [['Update', undefined, { 'f:metadata': { 'f:labels': { '.': {}, 'f:tier': {} } } }]]);
    assert.deepEqual(fields('kubectl-annotate'), [['Update', undefined, { 'f:metadata': { 'f:annotations': { 'f:note': {} } } }]]);
    assert.deepEqual(fields('kubectl-patch'), [['Update', undefined, { 'f:spec': { 'f:minReadySeconds': {} } }]]);
    assert.deepEqual(fields('kubectl-edit'), [['Update', undefined, { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } }]]);
  });

  test('a write without fieldManager is recorded under the part of the User-Agent before the first "/"', async () => {
    const url = `${sandbox.url}/api/v1/namespaces/default/configmaps`;
    const headers = { authorization: 'Bearer t', 'content-type': 'application/json', 'user-agent': 'deploy-bot/2.1 (linux) build/77' };
    const created = await fetch(url, { dispatcher: agent, method: 'POST', headers, body: JSON.stringify({ metadata: { name: 'from-bot' }, data: { a: '1' } }) });
    assert.equal(created.status, 201);
    const patched = await fetch(`${url}/from-bot`, { dispatcher: agent, method: 'PATCH', headers: { ...headers, 'content-type': 'application/merge-patch+json', 'user-agent': 'curl/8.5.0' }, body: JSON.stringify({ data: { b: '2' } }) });
    assert.equal(patched.status, 200);
    const object = (await patched.json()) as Live;
    // (entries are in time order, and the two writes may fall in different seconds)
    const byManager = Object.fromEntries(object.metadata.managedFields.map((m) => [m.manager, [m.operation, m.fieldsV1]]));
    assert.deepEqual(byManager, {
      'deploy-bot': ['Update', { 'f:data': { '.': {}, 'f:a': {} } }],
      curl: ['Update', { 'f:data': { 'f:b': {} } }],
    });
  });
});
