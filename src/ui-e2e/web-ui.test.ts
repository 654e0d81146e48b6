// The web UI end to end: chromium (playwright-core) against a real agent and sandbox on the
// example repo. Skipped, saying why, where chromium is not installed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { browserTestsSkipped, e2eTokens, seriousAxeViolations, signIn, startUiFixture, type UiFixture } from './browser-testing.ts';

describe('web UI end to end', { skip: browserTestsSkipped() }, () => {
  let fx: UiFixture;

  before(async () => {
    fx = await startUiFixture();
  });
  after(async () => {
    await fx?.close();
  });

  test('/ serves the UI with its hashed assets; a read token forging a sync gets 403 from the API', async () => {
    const root = await fetch(`${fx.url}/`);
    assert.equal(root.status, 200);
    assert.equal(root.headers.get('cache-control'), 'no-cache');
    const html = await root.text();
    const script = /<script[^>]+src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, `index.html names its script: ${html}`);
    const asset = await fetch(`${fx.url}${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    await asset.body?.cancel();

    const page = await fx.newPage();
    await signIn(page, e2eTokens.read);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('capstan.token')), e2eTokens.read);
    // what the UI would not offer a read token, asked for by hand from the signed-in page
    const forged = await page.evaluate(async () => {
      const token = sessionStorage.getItem('capstan.token');
      const res = await fetch('/api/v1/apps/dev/web/sync', { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
      return { status: res.status, body: (await res.json()) as unknown };
    });
    assert.deepEqual(forged, { status: 403, body: { error: { message: 'token "viewer" has role read; this needs role deploy', category: 'forbidden' } } });
  });

  test('signing in through the form shows every app of the example in dev, each linking to its page', async () => {
    const page = await fx.newPage();
    await page.goto('/');
    await page.getByLabel('API token').fill(e2eTokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
    const apps = fx.apps().map((s) => s.app);
    assert.deepEqual([...apps].sort(), ['api', 'guestbook', 'orders', 'redis', 'shop', 'web']);
    const table = page.getByRole('table');
    for (const app of apps) {
      const link = table.getByRole('link', { name: app, exact: true });
      await link.waitFor();
      assert.equal(await link.getAttribute('href'), `/apps/dev/${app}`);
      await table.getByRole('row').filter({ has: page.getByRole('link', { name: app, exact: true }) }).filter({ has: page.getByRole('cell', { name: 'dev', exact: true }) }).waitFor();
    }
    assert.equal(await page.evaluate(() => sessionStorage.getItem('capstan.token')), e2eTokens.admin);
  });

  test('the sign-in page and the overview have no serious accessibility violations (axe-core)', async () => {
    const page = await fx.newPage();
    await page.goto('/');
    await page.getByLabel('API token').waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'sign-in page');
    await page.getByLabel('API token').fill(e2eTokens.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // every app listed, so the whole table is checked
    for (const { app } of fx.apps()) await page.getByRole('link', { name: app, exact: true }).first().waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'overview');
  });

  test('a lost events stream is announced and the announcement goes once it is back', async () => {
    const page = await fx.newPage();
    await signIn(page, e2eTokens.admin);
    const banner = page.getByRole('status').filter({ hasText: 'Live updates lost — reconnecting…' });
    fx.relay.drop();
    try {
      await banner.waitFor({ state: 'visible', timeout: 20_000 });
    } finally {
      fx.relay.restore();
    }
    await banner.waitFor({ state: 'detached', timeout: 30_000 });
    await page.getByRole('heading', { name: 'Applications' }).waitFor();
  });
});
