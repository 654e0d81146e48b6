import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConflictError, NotFoundError, TimeoutError, TransientError, ValidationError } from '../core/index.ts';
import { createServer } from './create-server.ts';
import { appState, FakeAgent } from './fake-agent.ts';
import { jsonBody, startTestServer, testTokens, testTokenStore, type TestServer } from './testing.ts';

describe('HTTP API', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  describe('authentication', () => {
    it('answers 401 with a Bearer challenge without a token', async () => {
      const res = await t.call('/api/v1/apps');
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="capstan"');
      assert.deepEqual(await res.json(), { error: { message: 'a bearer token is required', category: 'unauthorized' } });
    });

    it('answers 401 for a wrong token, one differing in its last character, and another scheme', async () => {
      for (const raw of ['not-a-token-at-all-000000', testTokens.admin.slice(0, -1) + 'X', testTokens.admin + 'x', 'x' + testTokens.admin]) {
        const res = await t.call('/api/v1/apps', { token: { raw } });
        assert.equal(res.status, 401, raw);
        assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="capstan"');
      }
      const basic = await t.call('/api/v1/apps', { headers: { authorization: `Basic ${Buffer.from(`x:${testTokens.admin}`).toString('base64')}` } });
      assert.equal(basic.status, 401, 'basic auth is for /git only');
      const { error } = (await basic.json()) as { error: { message: string } };
      assert.equal(error.message, 'a bearer token is required');
    });

    it('lets a read token read but not sync or roll back (403)', async () => {
      const apps = await t.call('/api/v1/apps', { token: 'read' });
      assert.equal(apps.status, 200);
      assert.deepEqual(((await apps.json()) as { app: string; env: string }[]).map((a) => `${a.app}/${a.env}`), ['guestbook/dev', 'guestbook/prod']);
      for (const action of ['sync', 'rollback']) {
        const res = await t.call(`/api/v1/apps/dev/guestbook/${action}`, { ...jsonBody({}), token: 'read' });
        assert.equal(res.status, 403);
        assert.deepEqual(await res.json(), { error: { message: 'token "viewer" has role read; this needs role deploy', category: 'forbidden' } });
      }
      assert.equal(t.agent.syncs.length + t.agent.rollbacks.length, 0);
    });

    it('records the token name as who for a deploy token, and the admin can do everything', async () => {
      const res = await t.call('/api/v1/apps/dev/guestbook/sync', { ...jsonBody({ revision: 'c'.repeat(40), prune: false }), token: 'deploy' });
      assert.equal(res.status, 200);
      const result = (await res.json()) as { app: string; env: string; revision: string; result: string };
      assert.deepEqual([result.app, result.env, result.revision, result.result], ['guestbook', 'dev', 'c'.repeat(40), 'Succeeded']);
      assert.deepEqual(t.agent.syncs.at(-1), { ref: { app: 'guestbook', env: 'dev' }, options: { who: 'ci-bot', revision: 'c'.repeat(40), prune: false, force: undefined } });
      const history = (await (await t.call('/api/v1/apps/dev/guestbook/history', { token: 'read' })).json()) as { who: string; operation: string }[];
      assert.deepEqual(history.at(-1)?.who, 'ci-bot');

      for (const [path, init] of [
        ['/api/v1/apps', {}],
        ['/api/v1/apps/prod/guestbook', {}],
        ['/api/v1/apps/prod/guestbook/resources', {}],
        ['/api/v1/apps/prod/guestbook/diff', {}],
        ['/api/v1/apps/prod/guestbook/history', {}],
        ['/api/v1/apps/prod/guestbook/sync', { method: 'POST' }],
        ['/api/v1/apps/prod/guestbook/rollback', jsonBody({ to: 1 })],
        ['/api/v1/apps/prod/guestbook/refresh', { method: 'POST' }],
        ['/api/v1/refresh', { method: 'POST' }],
        ['/api/v1/whoami', {}],
      ] as [string, RequestInit][]) {
        const res = await t.call(path, { ...init, token: 'admin' });
        assert.equal(res.status, 200, `${init.method ?? 'GET'} ${path}: ${await res.clone().text()}`);
      }
      assert.deepEqual(t.agent.syncs.at(-1)?.options.who, 'ops');
      assert.deepEqual(t.agent.rollbacks.at(-1), { ref: { app: 'guestbook', env: 'prod' }, options: { who: 'ops', to: 1 } });
      assert.deepEqual(t.agent.refreshes.slice(-2), [{ trigger: 'manual', ref: { app: 'guestbook', env: 'prod' }, who: 'ops' }, { trigger: 'manual', ref: undefined, who: 'ops' }]);
      assert.deepEqual(await (await t.call('/api/v1/whoami', { token: 'admin' })).json(), { name: 'ops', role: 'admin' });
    });

    it('lets a read token refresh', async () => {
      const res = await t.call('/api/v1/apps/dev/guestbook/refresh', { method: 'POST', token: 'read' });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { app: string }).app, 'guestbook');
      assert.deepEqual(t.agent.refreshes.at(-1), { trigger: 'manual', ref: { app: 'guestbook', env: 'dev' }, who: 'viewer' });
    });
  });

  describe('reads', () => {
    it('answers one app, its resources, and its diff with the lazily rendered text', async () => {
      const state = (await (await t.call('/api/v1/apps/prod/guestbook', { token: 'read' })).json()) as { health: string };
      assert.equal(state.health, 'Degraded');
      const resources = (await (await t.call('/api/v1/apps/prod/guestbook/resources', { token: 'read' })).json()) as { key: { kind: string } }[];
      assert.deepEqual(resources.map((r) => r.key.kind), ['Deployment']);
      const diff = (await (await t.call('/api/v1/apps/prod/guestbook/diff', { token: 'read' })).json()) as { changed: boolean; diffs: { unified: string; changedPaths: string[] }[] };
      assert.equal(diff.changed, true);
      assert.deepEqual(diff.diffs[0], { key: { group: 'apps', kind: 'Deployment', namespace: 'guestbook', name: 'guestbook' }, action: 'update', unified: '-  replicas: 1\n+  replicas: 2\n', changedPaths: ['/spec/replicas'] });
    });

    it('answers 404 for an app the agent does not have, and for an unknown route', async () => {
      for (const path of ['/api/v1/apps/qa/guestbook', '/api/v1/apps/dev/nope/diff', '/api/v1/apps/dev/nope/history']) {
        const res = await t.call(path, { token: 'read' });
        assert.equal(res.status, 404, path);
      }
      const res = await t.call('/api/v1/apps/qa/guestbook', { token: 'read' });
      assert.deepEqual(await res.json(), { error: { message: 'app "guestbook" is not in environment "qa"', category: 'not-found' } });
      const unknown = await t.call('/api/v1/nothing?x=1', { token: 'read' });
      assert.equal(unknown.status, 404);
      assert.deepEqual(await unknown.json(), { error: { message: 'no route GET /api/v1/nothing', category: 'not-found' } });
    });
  });

  describe('errors', () => {
    it('maps each error category to its status, with the message', async () => {
      const cases: [Error, number, string][] = [
        [new NotFoundError('history entry 7 of guestbook/dev does not exist'), 404, 'not-found'],
        [new ValidationError('revision "zzz" is not a commit of the config repo'), 422, 'validation'],
        [new ConflictError('Deployment/guestbook/web apply failed: field .spec.replicas is owned by kubectl'), 409, 'conflict'],
        [new TimeoutError('guestbook/dev did not become healthy within 5m'), 504, 'timeout'],
        [new TransientError('git remote did not answer'), 503, 'transient'],
      ];
      for (const [error, status, category] of cases) {
        t.agent.failures.set('sync', error);
        const res = await t.call('/api/v1/apps/dev/guestbook/sync', { method: 'POST', token: 'deploy' });
        assert.equal(res.status, status, error.message);
        assert.deepEqual(await res.json(), { error: { message: error.message, category } });
      }
    });

    it('hides the message of an unexpected error behind a 500 and logs it', async () => {
      t.agent.failures.set('diff', new Error('socket hang up at 10.0.0.7'));
      const res = await t.call('/api/v1/apps/dev/guestbook/diff', { token: 'read' });
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), { error: { message: 'internal server error (see the server log)', category: 'terminal' } });
      assert.match(t.logs(), /socket hang up at 10\.0\.0\.7/);
    });

    it('answers 400 for a body that is not JSON or does not fit the schema', async () => {
      const cases: [RequestInit, RegExp][] = [
        [{ method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"revision":' }, /JSON/],
        [jsonBody({ revison: 'main' }), /must NOT have additional properties/],
        [jsonBody({ prune: 'yes' }), /prune must be boolean/],
        [jsonBody({ revision: '' }), /revision must NOT have fewer than 1 characters/],
      ];
      for (const [init, message] of cases) {
        const res = await t.call('/api/v1/apps/dev/guestbook/sync', { ...init, token: 'deploy' });
        assert.equal(res.status, 400, String(init.body));
        const body = (await res.json()) as { error: { message: string; category: string } };
        assert.equal(body.error.category, 'validation');
        assert.match(body.error.message, message);
      }
      const rollback = await t.call('/api/v1/apps/dev/guestbook/rollback', { ...jsonBody({ to: 0 }), token: 'deploy' });
      assert.equal(rollback.status, 400);
      const poisoned = await t.call('/api/v1/apps/dev/guestbook/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"force":true}}', token: 'deploy' });
      assert.equal(poisoned.status, 400);
    });

    it('takes an empty JSON body as no body', async () => {
      const res = await t.call('/api/v1/apps/dev/guestbook/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '', token: 'deploy' });
      assert.equal(res.status, 200, await res.clone().text());
      assert.deepEqual(t.agent.syncs.at(-1)?.options, { who: 'ci-bot', revision: undefined, prune: undefined, force: undefined });
    });
  });

  describe('health', () => {
    it('answers /healthz always and /readyz once the agent is ready', async () => {
      assert.deepEqual(await (await t.call('/healthz')).json(), { status: 'ok', version: '0.0.0-test' });
      t.agent.isReady = false;
      const notReady = await t.call('/readyz');
      assert.equal(notReady.status, 503);
      assert.match(((await notReady.json()) as { error: { message: string } }).error.message, /first reconcile pass/);
      t.agent.isReady = true;
      assert.equal((await t.call('/readyz')).status, 200);
    });
  });
});

describe('a server without its agent yet', () => {
  it('answers 503 until the agent is attached, then serves it', async () => {
    const server = await createServer({ tokens: testTokenStore(), webhookSecrets: {}, version: '1' });
    try {
      const headers = { authorization: `Bearer ${testTokens.read}` };
      assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 503);
      const early = await fetch(`${server.url}/api/v1/apps`, { headers });
      assert.equal(early.status, 503);
      assert.deepEqual(await early.json(), { error: { message: 'the agent is starting: try again in a moment', category: 'transient' } });
      const agent = new FakeAgent([appState('api', 'dev')]);
      agent.isReady = true;
      server.attach(agent);
      assert.throws(() => server.attach(new FakeAgent()), /already attached/);
      assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
      assert.equal(((await (await fetch(`${server.url}/api/v1/apps`, { headers })).json()) as unknown[]).length, 1);
    } finally {
      await server.close();
    }
  });
});

describe('logs', () => {
  it('log a 503 readiness answer as any request (debug), not as an error with a stack trace', async () => {
    const t = await startTestServer();
    try {
      t.agent.isReady = false;
      const res = await t.call('/readyz');
      assert.equal(res.status, 503);
      assert.deepEqual(await res.json(), { error: { message: 'not ready: the first reconcile pass has not finished', category: 'transient' } });
      const lines = t.logs().split('\n').filter((l) => l.includes('/readyz')).map((l) => JSON.parse(l) as { level: number; msg: string; status?: number; err?: unknown });
      assert.deepEqual(lines.map((l) => [l.level, l.msg, l.status]), [[20, 'request', 503]]);
      assert.ok(!t.logs().includes('"stack"'), 'no stack trace');
    } finally {
      await t.close();
    }
  });

  it('never contain a token, whatever the requests', async () => {
    const t = await startTestServer();
    try {
      const basic = `Basic ${Buffer.from(`git:${testTokens.deploy}`).toString('base64')}`;
      await t.call('/api/v1/apps', { token: 'read' });
      await t.call('/api/v1/apps', { token: { raw: 'wrong-token-value-abcdef0123' } });
      await t.call('/api/v1/apps/dev/guestbook/sync', { method: 'POST', token: 'read' });
      await t.call('/api/v1/apps/dev/guestbook/sync', { method: 'POST', token: 'admin' });
      await t.call('/api/v1/apps', { headers: { authorization: basic } });
      t.agent.failures.set('history', new Error('boom'));
      await t.call('/api/v1/apps/dev/guestbook/history', { token: 'admin' });
      await t.call('/api/v1/webhooks', { method: 'POST', headers: { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'gitlab-secret-value-0123' }, body: '{}' });
      const logs = t.logs();
      assert.match(logs, /request failed/, 'the logs were captured');
      for (const secret of [...Object.values(testTokens), 'wrong-token-value-abcdef0123', basic.slice(6), 'gitlab-secret-value-0123']) {
        assert.ok(!logs.includes(secret), `a log line carries ${secret}`);
      }
    } finally {
      await t.close();
    }
  });
});
