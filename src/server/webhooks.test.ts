import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { test } from 'node:test';
import { signWebhookBody, verifyWebhook, webhookSender, type WebhookSecrets } from './webhooks.ts';

const SECRET = 'test-webhook-secret-9c1f';
const SECRETS: WebhookSecrets = { github: SECRET, gitlab: SECRET, gitea: SECRET, bitbucket: SECRET };

function fixture(name: string): Buffer {
  return readFileSync(new URL(`./testdata/webhooks/${name}`, import.meta.url));
}

/** Signed independently of the code under test. */
function hmac(body: Buffer | string, secret = SECRET): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

function github(event: string, body: Buffer, signature = `sha256=${hmac(body)}`): IncomingHttpHeaders {
  return { 'x-github-event': event, 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958', 'x-hub-signature-256': signature, 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/044aadd' };
}

// As Gitea delivers them: its own headers plus the GitHub- and Gogs-compatible ones.
function gitea(event: string, body: Buffer, signature = hmac(body)): IncomingHttpHeaders {
  return {
    'x-gitea-event': event, 'x-gitea-event-type': event, 'x-gitea-signature': signature, 'x-gitea-delivery': 'f6266f16-1bf3-46a5-9ea4-602e06ead473',
    'x-gogs-event': event, 'x-gogs-signature': signature,
    'x-github-event': event, 'x-hub-signature-256': `sha256=${signature}`, 'content-type': 'application/json',
  };
}

test('GitHub push: verified by X-Hub-Signature-256, gives ref, new commit, repository and sender', () => {
  const body = fixture('github-push.json');
  assert.deepEqual(verifyWebhook(github('push', body), body, SECRETS), {
    ok: true, provider: 'github', event: 'push', ref: 'refs/heads/main', after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c', repository: 'acme/config',
    updates: [{ ref: 'refs/heads/main', after: '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c' }], sender: 'octocat',
  });
});

test("GitHub's documented test vector verifies (secret \"It's a Secret to Everybody\", body \"Hello, World!\")", () => {
  const body = Buffer.from('Hello, World!');
  const headers = github('ping', body, 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
  // Not JSON, so a verified request is refused as unreadable (400), never as unsigned (401).
  const verdict = verifyWebhook(headers, body, { github: "It's a Secret to Everybody" });
  assert.deepEqual(verdict, { ok: false, status: 400, message: 'GitHub webhook refused: the body is not valid JSON' });
  assert.equal(signWebhookBody(body, "It's a Secret to Everybody"), '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
});

test('GitHub ping and other events are verified, then ignored with a reason', () => {
  const ping = fixture('github-ping.json');
  assert.deepEqual(verifyWebhook(github('ping', ping), ping, SECRETS), { ok: true, provider: 'github', event: 'ignored', reason: 'GitHub ping: the webhook is configured' });
  const issues = Buffer.from('{"action":"opened","issue":{"number":1}}');
  assert.deepEqual(verifyWebhook(github('issues', issues), issues, SECRETS), { ok: true, provider: 'github', event: 'ignored', reason: 'GitHub event "issues" is not a push' });
});

test('GitHub push that deleted a branch is ignored', () => {
  const body = fixture('github-push-branch-deleted.json');
  assert.deepEqual(verifyWebhook(github('push', body), body, SECRETS), { ok: true, provider: 'github', event: 'ignored', reason: 'refs/heads/feature/old was deleted' });
  // `deleted` alone is enough, whatever `after` says.
  const flagged = Buffer.from(JSON.stringify({ ref: 'refs/tags/v0', deleted: true, repository: { full_name: 'acme/config' } }));
  assert.deepEqual(verifyWebhook(github('push', flagged), flagged, SECRETS), { ok: true, provider: 'github', event: 'ignored', reason: 'refs/tags/v0 was deleted' });
});

test('GitHub tag push gives the tag ref', () => {
  const payload = JSON.parse(fixture('github-push.json').toString()) as Record<string, unknown>;
  const body = Buffer.from(JSON.stringify({ ...payload, ref: 'refs/tags/v1.4.2', base_ref: 'refs/heads/main' }));
  const verdict = verifyWebhook(github('push', body), body, SECRETS);
  assert.equal(verdict.ok && verdict.event === 'push' && verdict.ref, 'refs/tags/v1.4.2');
});

test('GitHub form-encoded delivery: the signature covers the body as sent', () => {
  const json = fixture('github-push.json').toString();
  const body = Buffer.from(new URLSearchParams({ payload: json }).toString());
  const headers = { ...github('push', body), 'content-type': 'application/x-www-form-urlencoded' };
  const verdict = verifyWebhook(headers, body, SECRETS);
  assert.equal(verdict.ok && verdict.event === 'push' && verdict.after, '0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c');
});

test('a bad signature is refused with 401 "invalid signature", and neither signature is echoed', () => {
  const body = fixture('github-push.json');
  const expected = hmac(body);
  const wrong = hmac(body, 'another-secret');
  const cases: [string, string][] = [
    ['signed with another secret', `sha256=${wrong}`],
    ['one digit changed', `sha256=${expected.slice(0, -1)}${expected.endsWith('0') ? '1' : '0'}`],
    ['truncated', `sha256=${expected.slice(0, 40)}`],
    ['SHA-1 scheme', `sha1=${createHmac('sha1', SECRET).update(body).digest('hex')}`],
    ['no prefix', expected],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['extra characters', `sha256=${expected}00`],
  ];
  for (const [what, signature] of cases) {
    const verdict = verifyWebhook(github('push', body, signature), body, SECRETS);
    assert.deepEqual(verdict, { ok: false, status: 401, message: 'invalid signature' }, what);
    assert.ok(!JSON.stringify(verdict).includes(expected.slice(0, 12)), `${what}: expected signature leaked`);
  }
  // The body changed after signing.
  const tampered = Buffer.from(body.toString().replace('refs/heads/main', 'refs/heads/prod'));
  assert.deepEqual(verifyWebhook(github('push', body), tampered, SECRETS), { ok: false, status: 401, message: 'invalid signature' });
});

test('a signature in upper-case hex is accepted', () => {
  const body = fixture('github-push.json');
  const verdict = verifyWebhook(github('push', body, `sha256=${hmac(body).toUpperCase()}`), body, SECRETS);
  assert.equal(verdict.ok, true);
});

test('no secret configured for the provider: 401 naming the setting to configure', () => {
  const body = fixture('github-push.json');
  assert.deepEqual(verifyWebhook(github('push', body), body, { gitlab: SECRET }), {
    ok: false, status: 401, message: 'GitHub webhook refused: no github webhook secret is configured; set webhookSecrets.github to the secret configured on the GitHub webhook',
  });
  const custom = verifyWebhook(github('push', body), body, { github: '' }, { secretSetting: (p) => `--webhook-secret ${p}=<secret>` });
  assert.deepEqual(custom, {
    ok: false, status: 401, message: 'GitHub webhook refused: no github webhook secret is configured; set --webhook-secret github=<secret> to the secret configured on the GitHub webhook',
  });
});

test('a request without the signature header is refused with 401', () => {
  const body = fixture('github-push.json');
  const headers = github('push', body);
  delete headers['x-hub-signature-256'];
  assert.deepEqual(verifyWebhook(headers, body, SECRETS), {
    ok: false, status: 401, message: 'GitHub webhook refused: the request has no X-Hub-Signature-256 header; configure the signature (secret) on the GitHub webhook',
  });
});

test('an unknown sender is 400; malformed JSON after a valid signature is 400', () => {
  const body = fixture('github-push.json');
  assert.deepEqual(verifyWebhook({ 'content-type': 'application/json', 'x-hub-signature-256': `sha256=${hmac(body)}` }, body, SECRETS), {
    ok: false, status: 400, message: 'unknown webhook sender: expected one of the headers X-GitHub-Event, X-Gitlab-Event, X-Gitea-Event, X-Forgejo-Event or X-Event-Key',
  });
  const broken = Buffer.from('{"ref": "refs/heads/main", ');
  assert.deepEqual(verifyWebhook(github('push', broken), broken, SECRETS), { ok: false, status: 400, message: 'GitHub webhook refused: the body is not valid JSON' });
  const array = Buffer.from('[1,2]');
  assert.deepEqual(verifyWebhook(github('push', array), array, SECRETS), { ok: false, status: 400, message: 'GitHub webhook refused: the body is not a JSON object' });
});

test('malformed JSON with a bad signature is 401: nothing unauthenticated is parsed', () => {
  const broken = Buffer.from('{not json');
  assert.deepEqual(verifyWebhook(github('push', broken, `sha256=${'0'.repeat(64)}`), broken, SECRETS), { ok: false, status: 401, message: 'invalid signature' });
});

test('GitLab push: verified by X-Gitlab-Token, gives ref, checkout_sha, path_with_namespace and user_username', () => {
  const body = fixture('gitlab-push.json');
  const headers = { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET, 'x-gitlab-instance': 'https://gitlab.example.com', 'content-type': 'application/json' };
  assert.deepEqual(verifyWebhook(headers, body, SECRETS), {
    ok: true, provider: 'gitlab', event: 'push', ref: 'refs/heads/main', after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7', repository: 'platform/config',
    updates: [{ ref: 'refs/heads/main', after: 'da1560886d4f094c3e6c9ef40349f7d38b5d27d7' }], sender: 'jsmith',
  });
});

test('GitLab tag push: the commit (checkout_sha), not the annotated tag object', () => {
  const body = fixture('gitlab-tag-push.json');
  const verdict = verifyWebhook({ 'x-gitlab-event': 'Tag Push Hook', 'x-gitlab-token': SECRET }, body, SECRETS);
  assert.equal(verdict.ok && verdict.event === 'push' && `${verdict.ref}@${verdict.after}`, 'refs/tags/v1.0.0@5937ac0a7beb003549fc5fd26fc247adbce4a52e');
});

test('GitLab: wrong or missing token is 401, other events and deleted branches are ignored', () => {
  const body = fixture('gitlab-push.json');
  for (const token of ['wrong', `${SECRET}x`, SECRET.slice(0, -1), SECRET.toUpperCase()]) {
    assert.deepEqual(verifyWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': token }, body, SECRETS), { ok: false, status: 401, message: 'invalid signature' }, token);
  }
  assert.deepEqual(verifyWebhook({ 'x-gitlab-event': 'Push Hook' }, body, SECRETS), {
    ok: false, status: 401, message: 'GitLab webhook refused: the request has no X-Gitlab-Token header; configure the token (secret) on the GitLab webhook',
  });
  const issue = Buffer.from('{"object_kind":"issue"}');
  assert.deepEqual(verifyWebhook({ 'x-gitlab-event': 'Issue Hook', 'x-gitlab-token': SECRET }, issue, SECRETS), { ok: true, provider: 'gitlab', event: 'ignored', reason: 'GitLab event "Issue Hook" is not a push' });
  const payload = JSON.parse(body.toString()) as Record<string, unknown>;
  const deleted = Buffer.from(JSON.stringify({ ...payload, after: '0000000000000000000000000000000000000000', checkout_sha: null, commits: [] }));
  assert.deepEqual(verifyWebhook({ 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': SECRET }, deleted, SECRETS), { ok: true, provider: 'gitlab', event: 'ignored', reason: 'refs/heads/main was deleted' });
});

test('GitLab system hook carrying a push is a push', () => {
  const body = fixture('gitlab-push.json');
  const verdict = verifyWebhook({ 'x-gitlab-event': 'System Hook', 'x-gitlab-token': SECRET }, body, SECRETS);
  assert.equal(verdict.ok && verdict.event, 'push');
});

test('Gitea push: verified by X-Gitea-Signature (bare hex), not mistaken for GitHub', () => {
  const body = fixture('gitea-push.json');
  const expected = {
    ok: true, provider: 'gitea', event: 'push', ref: 'refs/heads/develop', after: 'bffeb74224043ba2feb48d137756c8a9331c449a', repository: 'gitea/webhooks',
    updates: [{ ref: 'refs/heads/develop', after: 'bffeb74224043ba2feb48d137756c8a9331c449a' }], sender: 'gitea',
  };
  assert.deepEqual(verifyWebhook(gitea('push', body), body, SECRETS), expected);
  // Only the Gitea secret counts, although the request also carries GitHub's headers.
  assert.equal(verifyWebhook(gitea('push', body), body, { github: SECRET }).ok, false);
  // The Gitea signature is the one checked: a good X-Hub-Signature-256 does not rescue a bad one.
  const headers = { ...gitea('push', body, hmac(body, 'wrong')), 'x-hub-signature-256': `sha256=${hmac(body)}` };
  assert.deepEqual(verifyWebhook(headers, body, SECRETS), { ok: false, status: 401, message: 'invalid signature' });
  // GitHub's prefix is not part of Gitea's scheme.
  assert.deepEqual(verifyWebhook(gitea('push', body, `sha256=${hmac(body)}`), body, SECRETS), { ok: false, status: 401, message: 'invalid signature' });
});

test('Forgejo push: X-Forgejo-Event with X-Forgejo-Signature', () => {
  const body = fixture('gitea-push.json');
  const headers = { 'x-forgejo-event': 'push', 'x-forgejo-signature': hmac(body), 'x-gitea-event': 'push', 'x-gitea-signature': hmac(body, 'stale'), 'x-github-event': 'push' };
  const verdict = verifyWebhook(headers, body, SECRETS);
  assert.equal(verdict.ok && verdict.event === 'push' && verdict.provider, 'gitea');
  const bad = { ...headers, 'x-forgejo-signature': hmac(body, 'stale'), 'x-gitea-signature': hmac(body) };
  assert.deepEqual(verifyWebhook(bad, body, SECRETS), { ok: false, status: 401, message: 'invalid signature' });
});

test('Gitea form-encoded delivery: the signature covers the JSON payload', () => {
  const json = fixture('gitea-push.json').toString();
  const body = Buffer.from(new URLSearchParams({ payload: json }).toString());
  const headers = { ...gitea('push', Buffer.from(json)), 'content-type': 'application/x-www-form-urlencoded' };
  const verdict = verifyWebhook(headers, body, SECRETS);
  assert.equal(verdict.ok && verdict.event === 'push' && verdict.ref, 'refs/heads/develop');
});

test('Gitea branch creation and deletion events are ignored', () => {
  const body = Buffer.from('{"ref":"feature","ref_type":"branch","pusher_type":"user"}');
  assert.deepEqual(verifyWebhook(gitea('delete', body), body, SECRETS), { ok: true, provider: 'gitea', event: 'ignored', reason: 'Gitea/Forgejo event "delete" is not a push' });
});

test('Bitbucket Cloud repo:push: every updated branch and tag, deleted ones left out', () => {
  const body = fixture('bitbucket-cloud-push.json');
  const headers = { 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${hmac(body)}`, 'x-hook-uuid': 'cb0e8ffb-4bd0-4f06-b8a0-5b8b7b9c3a10', 'x-request-uuid': 'e2f0b3c1-6a1f-4d0e-9a3d-2f1c0b9e8d7a', 'x-attempt-number': '1', 'content-type': 'application/json' };
  assert.deepEqual(verifyWebhook(headers, body, SECRETS), {
    ok: true, provider: 'bitbucket', event: 'push', ref: 'refs/heads/main', after: '10b1d5af0c2daf86d429c22f6a8c34d8a6ab9114', repository: 'acme/config',
    updates: [
      { ref: 'refs/heads/main', after: '10b1d5af0c2daf86d429c22f6a8c34d8a6ab9114' },
      { ref: 'refs/tags/v1.4.2', after: '10b1d5af0c2daf86d429c22f6a8c34d8a6ab9114' },
    ],
    sender: 'alexdoe',
  });
  assert.deepEqual(verifyWebhook({ ...headers, 'x-hub-signature': `sha256=${hmac(body, 'x')}` }, body, SECRETS), { ok: false, status: 401, message: 'invalid signature' });
});

test('Bitbucket Cloud: a push that only deleted a branch, and other events, are ignored', () => {
  const body = Buffer.from(JSON.stringify({ push: { changes: [{ old: { name: 'gone', type: 'branch' }, new: null, closed: true }] }, repository: { full_name: 'acme/config' } }));
  assert.deepEqual(verifyWebhook({ 'x-event-key': 'repo:push', 'x-hub-signature': `sha256=${hmac(body)}` }, body, SECRETS), { ok: true, provider: 'bitbucket', event: 'ignored', reason: 'the push only deleted refs' });
  const pr = Buffer.from('{"pullrequest":{"id":1}}');
  assert.deepEqual(verifyWebhook({ 'x-event-key': 'pullrequest:created', 'x-hub-signature': `sha256=${hmac(pr)}` }, pr, SECRETS), { ok: true, provider: 'bitbucket', event: 'ignored', reason: 'Bitbucket event "pullrequest:created" is not a push' });
});

test('Bitbucket Server repo:refs_changed: ref id, toHash and PROJECT/slug', () => {
  const body = fixture('bitbucket-server-refs-changed.json');
  const headers = { 'x-event-key': 'repo:refs_changed', 'x-hub-signature': `sha256=${hmac(body)}`, 'x-request-id': 'b4c1a3a0-9d2e-4f3b-8a7c-6e5d4c3b2a19' };
  assert.deepEqual(verifyWebhook(headers, body, SECRETS), {
    ok: true, provider: 'bitbucket', event: 'push', ref: 'refs/heads/main', after: '178864a7d521b6f5e720b386b2c2b0ef8563e0dc', repository: 'OPS/config',
    updates: [{ ref: 'refs/heads/main', after: '178864a7d521b6f5e720b386b2c2b0ef8563e0dc' }], sender: 'admin',
  });
  const ping = Buffer.from('{"test":true}');
  assert.deepEqual(verifyWebhook({ 'x-event-key': 'diagnostics:ping', 'x-hub-signature': `sha256=${hmac(ping)}` }, ping, SECRETS), { ok: true, provider: 'bitbucket', event: 'ignored', reason: 'Bitbucket ping: the webhook is configured' });
});

test('a push without a ref is 400', () => {
  const body = Buffer.from('{"after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}');
  assert.deepEqual(verifyWebhook(github('push', body), body, SECRETS), { ok: false, status: 400, message: 'GitHub push has no ref' });
});

test("who pushed, as each provider's payload names them: the login before a display name, cleaned and cut; none when it names nobody", () => {
  assert.equal(webhookSender('github', { sender: { login: 'octocat' }, pusher: { name: 'Octo Cat' } }), 'octocat');
  assert.equal(webhookSender('github', { pusher: { name: 'octocat' } }), 'octocat', 'pusher.name when there is no sender');
  assert.equal(webhookSender('gitea', { pusher: { login: 'alice', username: 'alice2' }, sender: { login: 'bob' } }), 'alice');
  assert.equal(webhookSender('gitea', { sender: { username: 'bob' } }), 'bob');
  assert.equal(webhookSender('gitlab', { user_username: 'jsmith', user_name: 'John Smith' }), 'jsmith');
  assert.equal(webhookSender('gitlab', { user_name: 'John Smith' }), 'John Smith');
  assert.equal(webhookSender('bitbucket', { actor: { display_name: 'Alex Doe', nickname: 'alexdoe' } }), 'alexdoe', 'Bitbucket Cloud');
  assert.equal(webhookSender('bitbucket', { actor: { name: 'admin', displayName: 'Administrator', slug: 'admin' } }), 'admin', 'Bitbucket Server');
  assert.equal(webhookSender('bitbucket', { actor: { display_name: 'Alex Doe' } }), 'Alex Doe');
  assert.equal(webhookSender('github', { sender: { login: ' evil\n[INFO] forged line\u0007 ' } }), 'evil[INFO] forged line');
  assert.equal(webhookSender('github', { sender: { login: 'x'.repeat(500) } }), 'x'.repeat(100));
  for (const payload of [{}, { sender: { login: '' } }, { sender: { login: 42 } }, { sender: 'octocat' }, null]) assert.equal(webhookSender('github', payload), undefined, JSON.stringify(payload));
});

test('a push whose payload names nobody has no sender', () => {
  const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) }));
  assert.deepEqual(verifyWebhook(github('push', body), body, SECRETS), { ok: true, provider: 'github', event: 'push', ref: 'refs/heads/main', after: 'a'.repeat(40), updates: [{ ref: 'refs/heads/main', after: 'a'.repeat(40) }] });
});
