import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startSandbox } from './index.ts';

test('without --token the sandbox makes one, puts it in the kubeconfig, and refuses requests without it', async () => {
  const sandbox = await startSandbox({ port: 0, tls: false });
  try {
    const config = parseYaml(sandbox.kubeconfig) as { users: { user: { token?: string } }[] };
    const token = config.users[0].user.token;
    assert.match(token ?? '', /^[A-Za-z0-9_-]{32}$/);
    const anonymous = await fetch(`${sandbox.url}/api/v1/namespaces`);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    const authorized = await fetch(`${sandbox.url}/api/v1/namespaces`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(authorized.status, 200);
    const health = await fetch(`${sandbox.url}/readyz`);
    assert.equal(health.status, 200, 'health endpoints need no token');
  } finally {
    await sandbox.stop();
  }
});

test('writeUntracked changes a value, moves resourceVersion and generation, tells watchers, and leaves managedFields as they were', async () => {
  const sandbox = await startSandbox({ port: 0, tls: false, token: 't' });
  const headers = { authorization: 'Bearer t', 'content-type': 'application/apply-patch+yaml' };
  try {
    const url = `${sandbox.url}/api/v1/namespaces/default/configmaps/plain`;
    const applied = await fetch(`${url}?fieldManager=capstan`, { method: 'PATCH', headers, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain' }, data: { a: '1' } }) });
    assert.equal(applied.status, 201);
    const before = (await applied.json()) as { metadata: { resourceVersion: string; managedFields: unknown } };
    const watch = await fetch(`${sandbox.url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before.metadata.resourceVersion}`, { headers: { authorization: 'Bearer t' } });
    const reader = watch.body!.getReader();
    await sandbox.writeUntracked('v1', 'ConfigMap', 'default', 'plain', (object) => {
      (object.data as Record<string, string>).a = '2';
    });
    const { value } = await reader.read();
    const event = JSON.parse(new TextDecoder().decode(value).split('\n')[0]!) as { type: string; object: { data: { a: string }; metadata: { resourceVersion: string; managedFields: unknown } } };
    await reader.cancel();
    assert.equal(event.type, 'MODIFIED');
    assert.equal(event.object.data.a, '2');
    assert.notEqual(event.object.metadata.resourceVersion, before.metadata.resourceVersion);
    assert.deepEqual(event.object.metadata.managedFields, before.metadata.managedFields);
    await assert.rejects(
      sandbox.writeUntracked('apps/v1', 'Deployment', 'default', 'absent', () => undefined),
      /not found/,
    );
  } finally {
    await sandbox.stop();
  }
});
