import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IncomingHttpHeaders } from 'node:http';
import { startTestServer } from './testing.ts';
import { signWebhookBody, type WebhookSecrets, type WebhookVerdict } from './webhooks.ts';

const secret = 'github-webhook-secret-0123';
const sha = 'e'.repeat(40);

function githubPush(ref: string, body = JSON.stringify({ ref, after: sha, repository: { full_name: 'acme/config' } })): RequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${signWebhookBody(body, secret)}` },
    body,
  };
}

/** Lets the refresh the route started without waiting run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('POST /api/v1/webhooks', () => {
  it('refuses a request the verifier refuses, with its status, and refreshes nothing', async () => {
    const t = await startTestServer({ webhookSecrets: { github: secret }, branch: 'main' });
    try {
      const forged = { ...githubPush('refs/heads/main'), headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` } };
      const res = await t.call('/api/v1/webhooks', forged);
      assert.equal(res.status, 401);
      assert.deepEqual(await res.json(), { error: { message: 'invalid signature', category: 'unauthorized' } });
      const unknown = await t.call('/api/v1/webhooks', { method: 'POST', body: '{}' });
      assert.equal(unknown.status, 400);
      assert.equal(((await unknown.json()) as { error: { category: string } }).error.category, 'validation');
      await settle();
      assert.deepEqual(t.agent.refreshes, []);
    } finally {
      await t.close();
    }
  });

  it('refuses every webhook when no secret is configured', async () => {
    const t = await startTestServer({ webhookSecrets: {} });
    try {
      const res = await t.call('/api/v1/webhooks', githubPush('refs/heads/main'));
      assert.equal(res.status, 401);
      await settle();
      assert.deepEqual(t.agent.refreshes, []);
    } finally {
      await t.close();
    }
  });

  it('refreshes for a verified push to the watched branch (202), not for another branch (200)', async () => {
    const t = await startTestServer({ webhookSecrets: { github: secret }, branch: 'main' });
    try {
      const res = await t.call('/api/v1/webhooks', githubPush('refs/heads/main'));
      assert.equal(res.status, 202);
      assert.deepEqual(await res.json(), { status: 'accepted', provider: 'github', ref: 'refs/heads/main', after: sha });
      await settle();
      assert.deepEqual(t.agent.refreshes, [{ trigger: 'webhook', ref: undefined, who: 'github webhook', revision: sha }]);

      const other = await t.call('/api/v1/webhooks/github', githubPush('refs/heads/feature'));
      assert.equal(other.status, 200);
      assert.deepEqual(await other.json(), { status: 'ignored', provider: 'github', reason: 'a push to refs/heads/feature, not to the watched branch refs/heads/main' });
      await settle();
      assert.equal(t.agent.refreshes.length, 1);
    } finally {
      await t.close();
    }
  });

  it("records the refresh as the sender's the payload names, with the commit it announced", async () => {
    const t = await startTestServer({ webhookSecrets: { github: secret }, branch: 'main' });
    try {
      const body = JSON.stringify({ ref: 'refs/heads/main', after: sha, repository: { full_name: 'acme/config' }, pusher: { name: 'octocat' }, sender: { login: 'octocat' } });
      const res = await t.call('/api/v1/webhooks/github', githubPush('refs/heads/main', body));
      assert.equal(res.status, 202);
      assert.deepEqual(await res.json(), { status: 'accepted', provider: 'github', ref: 'refs/heads/main', after: sha, sender: 'octocat' });
      await settle();
      assert.deepEqual(t.agent.refreshes, [{ trigger: 'webhook', ref: undefined, who: 'octocat', revision: sha }]);
    } finally {
      await t.close();
    }
  });

  it('reads a form-encoded body raw, exactly as it was signed', async () => {
    const t = await startTestServer({ webhookSecrets: { github: secret } });
    try {
      const body = `payload=${encodeURIComponent(JSON.stringify({ ref: 'refs/heads/dev', after: sha }))}`;
      const init = githubPush('refs/heads/dev', body);
      const res = await t.call('/api/v1/webhooks', { ...init, headers: { ...(init.headers as Record<string, string>), 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(res.status, 202, await res.clone().text());
      await settle();
      assert.deepEqual(t.agent.refreshes, [{ trigger: 'webhook', ref: undefined, who: 'github webhook', revision: sha }], 'without a branch option every push refreshes');
    } finally {
      await t.close();
    }
  });

  it('hands the verifier the raw bytes and only the secret of the provider in the path', async () => {
    const seen: { headers: IncomingHttpHeaders; body: Buffer; secrets: WebhookSecrets }[] = [];
    let verdict: WebhookVerdict = { ok: true, provider: 'gitlab', event: 'ignored', reason: 'a Note Hook event' };
    const secrets: WebhookSecrets = { github: 'gh-secret-0123456789', gitlab: 'gl-secret-0123456789' };
    const t = await startTestServer({
      webhookSecrets: secrets,
      branch: 'main',
      verifyWebhook: (headers, body, given) => {
        seen.push({ headers, body, secrets: given });
        return verdict;
      },
    });
    try {
      const bytes = Buffer.from([0x7b, 0x22, 0xff, 0x00, 0x22, 0x7d]);
      const ignored = await t.call('/api/v1/webhooks/gitlab', { method: 'POST', headers: { 'content-type': 'application/json', 'x-gitlab-event': 'Note Hook' }, body: bytes });
      assert.equal(ignored.status, 200);
      assert.deepEqual(await ignored.json(), { status: 'ignored', provider: 'gitlab', reason: 'a Note Hook event' });
      assert.deepEqual(seen[0].body, bytes);
      assert.equal(seen[0].headers['x-gitlab-event'], 'Note Hook');
      assert.deepEqual(seen[0].secrets, { gitlab: secrets.gitlab });

      await t.call('/api/v1/webhooks', { method: 'POST', body: 'x' });
      assert.deepEqual(seen[1].secrets, secrets);
      assert.deepEqual(seen[1].body, Buffer.from('x'));

      verdict = { ok: true, provider: 'github', event: 'push', ref: 'refs/heads/main', after: sha };
      const wrongPath = await t.call('/api/v1/webhooks/gitlab', { method: 'POST', body: '{}' });
      assert.equal(wrongPath.status, 400);
      assert.deepEqual(await wrongPath.json(), { error: { message: 'a github webhook was sent to the gitlab endpoint', category: 'validation' } });
      assert.equal((await t.call('/api/v1/webhooks/svn', { method: 'POST', body: '{}' })).status, 400);

      verdict = { ok: true, provider: 'bitbucket', event: 'push', ref: 'refs/heads/feature', after: 'f'.repeat(40), updates: [{ ref: 'refs/heads/feature', after: 'f'.repeat(40) }, { ref: 'refs/heads/main', after: sha }] };
      const several = await t.call('/api/v1/webhooks/bitbucket', { method: 'POST', body: '{}' });
      assert.equal(several.status, 202);
      assert.deepEqual(await several.json(), { status: 'accepted', provider: 'bitbucket', ref: 'refs/heads/main', after: sha });
      await settle();
      assert.deepEqual(t.agent.refreshes, [{ trigger: 'webhook', ref: undefined, who: 'bitbucket webhook', revision: sha }]);
    } finally {
      await t.close();
    }
  });
});
