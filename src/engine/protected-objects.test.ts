// Objects capstan itself depends on outside its own namespace (the agent's --tokens-secret) can
// never be written by an app, whatever its scope grants.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { GitCache } from '../source/index.ts';
import { makeRepo } from '../source/testing.ts';
import { Engine } from './engine.ts';
import { startEngineFixture } from './testing.ts';

test('an app scoped to the namespace of the agent’s token Secret still cannot replace that Secret', async (t) => {
  const fx = await startEngineFixture();
  const cache = mkdtempSync(path.join(os.tmpdir(), 'capstan-protected-'));
  t.after(async () => {
    await fx.stop();
    rmSync(cache, { recursive: true, force: true });
  });
  await fx.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ops' } });
  await fx.client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'agent-tokens', namespace: 'ops' }, stringData: { admin: 'admin:real-token' } });
  const before = await fx.client.get('v1', { group: '', kind: 'Secret', namespace: 'ops', name: 'agent-tokens' });
  const repo = await makeRepo({
    'capstan.yaml': 'apiVersion: capstan.dev/v1alpha1\nkind: Project\nenvironments: [{ name: dev }]\napps:\n  - { name: ops, source: ops, namespace: ops, scope: { namespaces: [ops] } }\n',
    'ops/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: agent-tokens\nstringData:\n  mine: "admin:attacker-token"\n',
  });
  const engine = new Engine({
    git: new GitCache({ dir: cache }),
    clientFor: async () => fx.client,
    protectedObjects: [{ key: { group: '', kind: 'Secret', namespace: 'ops', name: 'agent-tokens' }, why: 'the Secret the agent reads its API tokens from (--tokens-secret ops/agent-tokens)' }],
  });
  const result = await engine.sync({ repo: { url: repo.dir }, app: 'ops', env: 'dev' });
  assert.equal(result.result, 'Failed');
  assert.match(result.error!.message, /ops\/secret\.yaml: Secret\/ops\/agent-tokens: is the Secret the agent reads its API tokens from \(--tokens-secret ops\/agent-tokens\): no app may write it, whatever its scope says/);
  const after = await fx.client.get('v1', { group: '', kind: 'Secret', namespace: 'ops', name: 'agent-tokens' });
  assert.equal(after?.metadata.resourceVersion, before?.metadata.resourceVersion, 'not written');
});
