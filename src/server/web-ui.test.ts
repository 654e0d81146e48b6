import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from './testing.ts';

const indexHtml = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

/** A request whose path is sent as written (fetch would resolve `..` before sending). */
function rawGet(url: string, rawPath: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the web UI', () => {
  let dir: string;
  let ui: string;
  let t: TestServer;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'capstan-web-ui-'));
    ui = path.join(dir, 'dist', 'ui');
    mkdirSync(path.join(ui, 'assets'), { recursive: true });
    writeFileSync(path.join(ui, 'index.html'), indexHtml);
    writeFileSync(path.join(ui, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(ui, 'assets', 'index-abc123.js'), 'console.log("capstan");');
    writeFileSync(path.join(ui, 'assets', 'index-abc123.css'), 'body{}');
    writeFileSync(path.join(ui, 'assets', '.hidden'), 'a hidden file');
    writeFileSync(path.join(dir, 'secret.txt'), 'outside the UI');
    symlinkSync(path.join(dir, 'secret.txt'), path.join(ui, 'assets', 'link.js'));
    t = await startTestServer({ ui: { dir: ui } });
  });
  after(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers / and every page of the app with index.html, revalidated each time', async () => {
    for (const page of ['/', '/apps/dev/web', '/releases/orders', '/apps/dev/web?tab=diff']) {
      const res = await t.call(page);
      assert.equal(res.status, 200, page);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8', page);
      assert.equal(res.headers.get('cache-control'), 'no-cache', page);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
      assert.equal(await res.text(), indexHtml, page);
    }
    const head = await t.call('/apps/dev/web', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-type'), 'text/html; charset=utf-8');
  });

  it('serves the hashed assets as immutable, with their content types', async () => {
    const js = await t.call('/assets/index-abc123.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(js.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(await js.text(), 'console.log("capstan");');
    const css = await t.call('/assets/index-abc123.css');
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const icon = await t.call('/favicon.svg');
    assert.equal(icon.headers.get('content-type'), 'image/svg+xml');
    assert.equal(icon.headers.get('cache-control'), 'no-cache');
    const missing = await t.call('/assets/index-gone.js');
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'text/plain; charset=utf-8');
  });

  it('never reads outside its folder: .., encoded .., absolute paths, hidden files, symlinks out', async () => {
    const hostile = [
      '/assets/../../secret.txt',
      '/assets/../index.html',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/assets/%2E%2E%2F%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      `/assets/${encodeURIComponent(path.join(dir, 'secret.txt'))}`,
      `/assets/${path.join(dir, 'secret.txt')}`,
      '/assets//etc/passwd',
      '/assets/%00index-abc123.js',
      '/assets/%zz',
      '/assets/.hidden',
      '/assets/link.js',
    ];
    for (const hostilePath of hostile) {
      const res = await rawGet(t.url, hostilePath);
      assert.ok(res.status === 404 || (hostilePath === '/assets/%zz' && res.status === 400), `${hostilePath}: ${res.status}`); // fastify refuses a malformed URI
      assert.doesNotMatch(res.body, /outside the UI|a hidden file/, hostilePath);
    }
    // a page path that tries to climb gets the app's page, never the file
    for (const hostilePath of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', `/${encodeURIComponent(path.join(dir, 'secret.txt'))}`]) {
      const res = await rawGet(t.url, hostilePath);
      assert.ok(res.status === 200 || res.status === 404, `${hostilePath}: ${res.status}`);
      assert.doesNotMatch(res.body, /outside the UI/, hostilePath);
    }
  });

  it('leaves the API as it was: its 404s are JSON, its routes answer as before', async () => {
    for (const apiPath of ['/api/v1/nothing', '/api', '/git', '/metrics/x', '/healthz/x']) {
      const res = await t.call(apiPath);
      assert.equal(res.status, 404, apiPath);
      assert.deepEqual(await res.json(), { error: { message: `no route GET ${apiPath}`, category: 'not-found' } });
    }
    const post = await t.call('/apps/dev/web', { method: 'POST' });
    assert.equal(post.status, 404);
    assert.equal((await post.json() as { error: { category: string } }).error.category, 'not-found');
    assert.equal((await t.call('/api/v1/apps')).status, 401);
    assert.equal((await t.call('/healthz')).status, 200);
    assert.deepEqual(await (await t.call('/api/v1/whoami', { token: 'read' })).json(), { name: 'viewer', role: 'read' });
  });

  it('says how to build the UI when it is not built', async () => {
    const bare = await startTestServer({ ui: { dir: path.join(dir, 'not-built', 'dist', 'ui') } });
    try {
      for (const page of ['/', '/apps/dev/web']) {
        const res = await bare.call(page);
        assert.equal(res.status, 503);
        assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
        assert.match(await res.text(), /^capstan's web UI is not built: .*index\.html is missing\.\nRun `npm run build` in .*not-built and reload this page/);
      }
      assert.equal((await bare.call('/assets/index-abc123.js')).status, 404);
    } finally {
      await bare.close();
    }
  });

  it('is not served without the ui option: / stays a JSON 404', async () => {
    const plain = await startTestServer();
    try {
      const res = await plain.call('/');
      assert.equal(res.status, 404);
      assert.deepEqual(await res.json(), { error: { message: 'no route GET /', category: 'not-found' } });
    } finally {
      await plain.close();
    }
  });
});
