import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it, mock } from 'node:test';
import { createKubeClient, type KubeClient } from '../kube/index.ts';
import { startSandbox, type Sandbox } from '@capstan/sandbox';
import { createServer } from './create-server.ts';
import { appState, FakeAgent } from './fake-agent.ts';
import { hasRole, loadTokens, parseTokenFile, TokenStore } from './tokens.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'capstan-tokens-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function tokenFile(text: string): string {
  const file = path.join(dir, `tokens-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, text);
  return file;
}

describe('TokenStore', () => {
  const store = new TokenStore([
    { role: 'read', name: 'viewer', token: 'read-token-0123456789' },
    { role: 'deploy', name: 'ci', token: 'deploy-token-0123456789' },
    { role: 'admin', name: 'ops', token: 'admin-token-0123456789' },
  ]);

  it('finds the identity of a token and nothing for others', () => {
    assert.deepEqual(store.authenticate('deploy-token-0123456789'), { name: 'ci', role: 'deploy' });
    assert.equal(store.authenticate('deploy-token-012345678'), undefined);
    assert.equal(store.authenticate(''), undefined);
    assert.deepEqual(store.identities(), [{ name: 'viewer', role: 'read' }, { name: 'ci', role: 'deploy' }, { name: 'ops', role: 'admin' }]);
  });

  it('compares equal-length digests with crypto.timingSafeEqual, every entry every time', () => {
    const spy = mock.method(crypto, 'timingSafeEqual');
    try {
      store.authenticate('read-token-0123456789');
      store.authenticate('a much longer token than any of the others, which must still be compared safely');
      assert.equal(spy.mock.callCount(), 6, 'all three entries are compared, also after a match');
      for (const call of spy.mock.calls) {
        const [a, b] = call.arguments as [Buffer, Buffer];
        assert.equal(a.length, 32);
        assert.equal(b.length, 32);
      }
    } finally {
      spy.mock.restore();
    }
  });

  it('orders the roles read < deploy < admin', () => {
    assert.deepEqual([hasRole('read', 'read'), hasRole('read', 'deploy'), hasRole('deploy', 'read'), hasRole('deploy', 'admin'), hasRole('admin', 'deploy')], [true, false, true, false, true]);
  });

  it('refuses short, duplicated and whitespace tokens without printing them', () => {
    assert.throws(() => new TokenStore([{ role: 'read', name: 'a', token: 'short' }]), { message: 'token "a" (entry 1) is shorter than 16 characters' });
    assert.throws(
      () => new TokenStore([{ role: 'read', name: 'a', token: 'same-token-0123456789' }, { role: 'admin', name: 'b', token: 'same-token-0123456789' }]),
      (error: Error) => error.message === 'token "b" (entry 2) has the same value as an earlier token' && !error.message.includes('same-token'),
    );
    assert.throws(() => new TokenStore([{ role: 'read', name: 'a', token: 'token-0123456789a' }, { role: 'read', name: 'a', token: 'token-0123456789b' }]), /the name "a" is used twice/);
  });
});

describe('token file', () => {
  it('reads `<role> <name> <token>` lines, skipping comments and blank lines', async () => {
    const file = tokenFile('# API tokens\n\nread   grafana   grafana-token-0123456789\n\tdeploy ci-bot deploy-token-0123456789  \r\nadmin ops admin-token-0123456789\n');
    const store = await loadTokens({ file });
    assert.equal(store.size, 3);
    assert.deepEqual(store.authenticate('deploy-token-0123456789'), { name: 'ci-bot', role: 'deploy' });
    assert.deepEqual(store.authenticate('grafana-token-0123456789'), { name: 'grafana', role: 'read' });
  });

  it('names the file and line of a bad entry, never the token', () => {
    assert.throws(() => parseTokenFile('read a secret-token-0123456789\nwrite b other-token-0123456789\n', 'tokens.txt'), { message: 'tokens.txt:2: unknown role "write": the roles are read, deploy, admin' });
    assert.throws(() => parseTokenFile('\nread a\n', 'tokens.txt'), { message: 'tokens.txt:2: expected "<role> <name> <token>", found 2 fields' });
    assert.throws(() => parseTokenFile('read a tiny\n', 't'), { message: 't:1: the token of "a" is shorter than 16 characters' });
  });

  it('reports a missing file, an empty one, and duplicates across entries', async () => {
    await assert.rejects(loadTokens({ file: path.join(dir, 'absent') }), { name: 'NotFoundError', message: `token file ${path.join(dir, 'absent')} does not exist` });
    const empty = tokenFile('# nothing yet\n');
    await assert.rejects(loadTokens({ file: empty }), { name: 'ValidationError', message: `${empty} defines no tokens` });
    const twice = tokenFile('read a token-0123456789abcdef\nadmin b token-0123456789abcdef\n');
    await assert.rejects(loadTokens({ file: twice }), (error: Error) => error.message === `${twice}: token "b" (entry 2) has the same value as an earlier token`);
    await assert.rejects(loadTokens({}), { message: 'no token source: give a token file or a Secret' });
  });
});

describe('token Secret', () => {
  let sandbox: Sandbox;
  let client: KubeClient;
  before(async () => {
    sandbox = await startSandbox({ port: 0, tls: false });
    client = await createKubeClient({ kubeconfig: sandbox.kubeconfig });
    await client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } });
  });
  after(async () => {
    client.close();
    await sandbox.stop();
  });

  const secret = (name: string, stringData: Record<string, string>) =>
    client.apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'capstan-system' }, type: 'Opaque', stringData });

  it('reads keys as token names and values as `<role>:<token>`, and the server accepts them', async () => {
    await secret('capstan-tokens', { grafana: 'read:grafana-token-0123456789', 'ci-bot': 'deploy:ci-token-0123456789:with-colon' });
    const file = tokenFile('admin ops admin-token-0123456789\n');
    const store = await loadTokens({ file, secret: { client, namespace: 'capstan-system', name: 'capstan-tokens' } });
    assert.deepEqual(store.identities(), [{ name: 'ops', role: 'admin' }, { name: 'ci-bot', role: 'deploy' }, { name: 'grafana', role: 'read' }]);
    assert.deepEqual(store.authenticate('ci-token-0123456789:with-colon'), { name: 'ci-bot', role: 'deploy' });

    const agent = new FakeAgent([appState('web', 'dev')]);
    const server = await createServer({ agent, tokens: store, webhookSecrets: {}, version: '1' });
    try {
      const sync = (token: string) => fetch(`${server.url}/api/v1/apps/dev/web/sync`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal((await sync('grafana-token-0123456789')).status, 403);
      assert.equal((await sync('ci-token-0123456789:with-colon')).status, 200);
      assert.equal(agent.syncs[0].options.who, 'ci-bot');
    } finally {
      await server.close();
    }
  });

  it('names the Secret and key of a bad value, and a missing Secret', async () => {
    await secret('bad-tokens', { grafana: 'reader:grafana-token-0123456789' });
    await assert.rejects(loadTokens({ secret: { client, namespace: 'capstan-system', name: 'bad-tokens' } }), (error: Error) => {
      assert.equal(error.message, 'Secret/capstan-system/bad-tokens key "grafana": expected "<role>:<token>" with a role of read, deploy, admin');
      return true;
    });
    await assert.rejects(loadTokens({ secret: { client, namespace: 'capstan-system', name: 'nope' } }), { name: 'NotFoundError', message: 'Secret/capstan-system/nope holding the API tokens does not exist' });
  });
});
