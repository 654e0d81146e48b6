import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from './create-server.ts';
import { FakeAgent } from './fake-agent.ts';
import openapi from './openapi.json' with { type: 'json' };
import { startTestServer, testTokenStore } from './testing.ts';
import { webUiRoutes } from './web-ui.ts';

const methods = ['get', 'put', 'post', 'delete', 'patch'];

/** `/api/v1/apps/{env}/{app}` → `/api/v1/apps/:env/:app`; the git paths are served by the `/git/*` route. */
function routeOf(path: string): string {
  return path.startsWith('/git/') ? '/git/*' : path.replace(/\{(\w+)\}/g, ':$1');
}

describe('openapi.json', () => {
  it('documents every route, and every documented operation is served', async () => {
    const built = createApp({ agent: new FakeAgent(), tokens: testTokenStore(), webhookSecrets: {}, version: '1', git: { reposDir: '/nonexistent', onPush() {} }, ui: { dir: '/nonexistent' } });
    await built.app.ready();
    try {
      const ui: readonly string[] = webUiRoutes; // the web UI's pages and files are no API
      const served = new Set(built.routes.map((r) => `${r.method} ${r.url}`).filter((r) => !ui.includes(r)));
      const documented = new Set<string>();
      for (const [path, item] of Object.entries(openapi.paths)) {
        for (const method of Object.keys(item).filter((k) => methods.includes(k))) documented.add(`${method.toUpperCase()} ${routeOf(path)}`);
      }
      assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'served but not documented');
      assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented but not served');
    } finally {
      await built.app.close();
    }
  });

  it('states the role each operation needs, as the server enforces it', async () => {
    const t = await startTestServer({ git: { reposDir: '/nonexistent', onPush() {} }, handleGitRequest: async (_req, res) => void res.end() });
    try {
      for (const [path, item] of Object.entries(openapi.paths)) {
        for (const [method, op] of Object.entries(item as Record<string, { 'x-capstan-role'?: string }>)) {
          if (!methods.includes(method)) continue;
          const url = path.replace('{env}', 'dev').replace('{app}', 'guestbook').replace('{repo}', 'config').replace('{provider}', 'github').replace('{service}', 'web').replace('{id}', 'auto-release-all-dev');
          const role = op['x-capstan-role'];
          const anonymous = await t.call(url, { method: method.toUpperCase() });
          if (role === undefined) {
            assert.notEqual(anonymous.status, 401, `${method} ${path} needs no token`);
            continue;
          }
          assert.equal(anonymous.status, 401, `${method} ${path} needs a token`);
          const below = role === 'read' ? undefined : role === 'deploy' ? 'read' : 'deploy';
          if (below) assert.equal((await t.call(url, { method: method.toUpperCase(), token: below })).status, 403, `${method} ${path} refuses ${below}`);
          const withRole = await t.call(url, { method: method.toUpperCase(), token: role as 'read' | 'deploy' | 'admin' });
          assert.ok(withRole.status !== 401 && withRole.status !== 403, `${method} ${path} accepts ${role}: ${withRole.status}`);
          await withRole.body?.cancel();
        }
      }
    } finally {
      await t.close();
    }
  });

  it('is served at /api/v1/openapi.json with the server version', async () => {
    const t = await startTestServer();
    try {
      const doc = (await (await t.call('/api/v1/openapi.json')).json()) as { openapi: string; info: { version: string }; paths: object };
      assert.equal(doc.openapi, '3.0.3');
      assert.equal(doc.info.version, '0.0.0-test');
      assert.deepEqual(Object.keys(doc.paths), Object.keys(openapi.paths));
    } finally {
      await t.close();
    }
  });
});
