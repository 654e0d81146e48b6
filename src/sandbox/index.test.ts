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
