import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSandbox } from './index.ts';
import { clientOf, RequestStats } from './request-stats.ts';

test('requests are counted by verb and by client, with the most in flight; a reset starts afresh and keeps the writes', () => {
  const stats = new RequestStats();
  assert.equal(clientOf('kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd'), 'kubectl');
  assert.equal(clientOf('capstan'), 'capstan');
  assert.equal(clientOf(undefined), 'unknown');
  const ends = [stats.begin('delete', 'capstan'), stats.begin('delete', 'capstan'), stats.begin('get', 'kubectl/v1.32.4')];
  const watch = stats.begin('watch', 'capstan');
  stats.writes = 3;
  let now = stats.snapshot();
  assert.deepEqual(now.requests, { delete: 2, get: 1, watch: 1 });
  assert.equal(now.maxInFlight, 3, 'a watch stays open and is not in flight');
  assert.deepEqual(now.clients.capstan, { requests: { delete: 2, watch: 1 }, maxInFlight: 2, maxInFlightByVerb: { delete: 2 } });
  assert.deepEqual(now.clients.kubectl, { requests: { get: 1 }, maxInFlight: 1, maxInFlightByVerb: { get: 1 } });
  for (const end of ends) end();
  watch();
  stats.reset();
  now = stats.snapshot();
  assert.deepEqual(now, { requests: {}, maxInFlight: 0, maxInFlightByVerb: {}, writes: 3, inFlight: 0, clients: {} });
  stats.begin('list', 'capstan')();
  assert.deepEqual(stats.snapshot().clients, { capstan: { requests: { list: 1 }, maxInFlight: 1, maxInFlightByVerb: { list: 1 } } });
});

test('GET /sandbox/v1/stats counts by verb (dry-runs apart, discovery apart) and DELETE resets it', async () => {
  const sandbox = await startSandbox({ port: 0, tls: false, token: 't' });
  const headers = { authorization: 'Bearer t', 'user-agent': 'capstan' };
  const apply = { ...headers, 'content-type': 'application/apply-patch+yaml' };
  const url = `${sandbox.url}/api/v1/namespaces/default/configmaps/c`;
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } });
  try {
    await fetch(`${sandbox.url}/api/v1`, { headers });
    await fetch(`${sandbox.url}/apis/apps/v1`, { headers });
    await fetch(`${url}?fieldManager=t&dryRun=All`, { method: 'PATCH', headers: apply, body });
    await fetch(`${url}?fieldManager=t`, { method: 'PATCH', headers: apply, body });
    await fetch(url, { headers });
    await fetch(`${sandbox.url}/api/v1/namespaces/default/configmaps`, { headers });
    await fetch(url, { method: 'DELETE', headers });
    const stats = (await (await fetch(`${sandbox.url}/sandbox/v1/stats`, { headers })).json()) as { requests: Record<string, number>; clients: Record<string, { requests: Record<string, number> }> };
    assert.deepEqual(stats.clients.capstan?.requests, { discovery: 2, 'dry-run apply': 1, apply: 1, get: 1, list: 1, delete: 1 });
    const reset = (await (await fetch(`${sandbox.url}/sandbox/v1/stats`, { method: 'DELETE', headers })).json()) as { requests: Record<string, number>; writes: number };
    assert.deepEqual(reset.requests, {});
    assert.ok(reset.writes >= 2, 'writes keep counting');
  } finally {
    await sandbox.stop();
  }
});
