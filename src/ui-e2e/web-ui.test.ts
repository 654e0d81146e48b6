// The web UI end to end: chromium (playwright-core) against a real agent and sandbox on the
// example repo. Skipped, saying why, where chromium is not installed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserTestsSkipped, e2eTokens, editGuestbookByHand, seriousAxeViolations, signIn, startUiFixture, until, type UiFixture } from './browser-testing.ts';

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
  /** The value the app page shows for a term of its state list (Sync, Health, Revision applied …). */
  const stateOf = (page: Page, term: string) => page.locator('dl dt', { hasText: new RegExp(`^${term}$`) }).locator('xpath=following-sibling::dd[1]');
  const appState = (app: string) => fx.apps().find((s) => s.app === app && s.env === 'dev');
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${fx.agentUrl}${path}`, { method, headers: { authorization: `Bearer ${e2eTokens.admin}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  test('a read token sees an app page without Sync, Roll back or Delete; Refresh is offered', async () => {
    const page = await fx.newPage();
    await signIn(page, e2eTokens.read);
    await page.getByRole('link', { name: 'guestbook', exact: true }).first().click();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('button', { name: 'Refresh' }).waitFor();
    await page.getByRole('row').nth(1).waitFor();
    assert.equal(await page.getByRole('button', { name: /^Sync/ }).count(), 0, 'no sync button for a read token');
    assert.equal(await page.getByRole('button', { name: /Roll back/ }).count(), 0, 'no rollback for a read token');
    assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0, 'no delete for a read token');
  });

  test('an object changed behind capstan\'s back: the app turns OutOfSync live, its diff is shown both ways, and a sync from the UI turns it Synced and Healthy live', async () => {
    const page = await fx.newPage();
    await signIn(page, e2eTokens.admin);
    await page.goto('/apps/dev/guestbook');
    await page.getByRole('tree', { name: 'Objects of guestbook' }).waitFor();
    await stateOf(page, 'Sync').getByText('Synced', { exact: true }).waitFor();
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));

    await editGuestbookByHand(fx);
    await stateOf(page, 'Sync').getByText('OutOfSync', { exact: true }).waitFor({ timeout: 30_000 });

    await page.getByRole('treeitem', { name: /^Deployment guestbook/ }).click();
    await page.getByRole('tab', { name: 'Diff' }).click();
    const unified = page.getByLabel(/^Unified diff of Deployment/);
    await unified
      .getByText('hand-edited')
      .first()
      .waitFor()
      .catch(async (error: unknown) => {
        throw new Error(`no hand-edited line in the diff: ${await page.getByRole('tabpanel').innerText()}`, { cause: error });
      });
    const text = await unified.innerText();
    assert.match(text, /^-.*guestbook:hand-edited/m, `the live image is the removed line:\n${text}`);
    assert.match(text, /^\+.*guestbook:v1\.5\.0/m, `git's image is the added line:\n${text}`);
    assert.match(page.url(), /[?&]object=apps(%2F|\/)Deployment(%2F|\/)guestbook(%2F|\/)guestbook/, 'the selection is in the URL');
    await page.getByRole('button', { name: 'Side by side' }).click();
    const split = page.getByRole('region', { name: /^Side-by-side diff of Deployment/ });
    await split.getByText('v1.5.0').first().waitFor();
    await split.getByText('hand-edited').first().waitFor();

    await page.getByRole('button', { name: 'Sync…' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm sync' });
    await confirm.getByText('guestbook', { exact: false }).first().waitFor();
    await confirm.getByRole('button', { name: 'Sync now' }).click();
    await stateOf(page, 'Sync').getByText('Synced', { exact: true }).waitFor({ timeout: 60_000 });
    await stateOf(page, 'Health').getByText('Healthy', { exact: true }).waitFor({ timeout: 60_000 });
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'updated live, not by reloading the page');
    assert.equal(appState('guestbook')?.sync, 'Synced');
  });

  test('a rollback from the history list re-applies the earlier revision', async () => {
    const before = appState('web')!.revision;
    const sha = await fx.commit({ 'apps/web/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-extra\ndata:\n  added: "by the e2e test"\n' }, 'web: an extra ConfigMap');
    assert.equal((await api('POST', '/api/v1/refresh')).status, 200);
    if (appState('web')!.revision !== sha && !appState('web')!.automated) assert.equal((await api('POST', '/api/v1/apps/dev/web/sync', {})).status, 200);
    await until('web applied at the new commit', () => (appState('web')?.revision === sha && appState('web')?.sync === 'Synced' ? true : undefined), 60_000);

    const page = await fx.newPage();
    await signIn(page, e2eTokens.admin);
    await page.goto('/apps/dev/web');
    await page.getByRole('treeitem', { name: /^ConfigMap web-extra/ }).waitFor();
    await page.getByRole('button', { name: new RegExp(`^Roll back to #\\d+ \\(${before.slice(0, 7)}\\)`) }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(before.slice(0, 7)).first().waitFor();
    await dialog.getByRole('button', { name: `Roll back to ${before.slice(0, 7)}` }).click();
    await page.getByText(/Rollback to .* succeeded/).waitFor({ timeout: 60_000 });
    await until('web back at the earlier revision', () => (appState('web')?.revision === before ? true : undefined), 30_000);
    // the history shows the rollback; what the later commit added is gone from the cluster, so the
    // tree (git's objects at the newest commit) shows it OutOfSync
    await page.getByRole('cell', { name: /^rollback/ }).first().waitFor({ timeout: 30_000 });
    await page
      .getByRole('treeitem', { name: /^ConfigMap web-extra.*OutOfSync/ })
      .waitFor({ timeout: 30_000 })
      .catch(async (error: unknown) => {
        throw new Error(`web-extra not shown OutOfSync: ${JSON.stringify(appState('web'))} ${await page.getByRole('tree').innerText()}`, { cause: error });
      });
  });

  test('the app page with an object open has no serious accessibility violations (axe-core)', async () => {
    const page = await fx.newPage();
    await signIn(page, e2eTokens.admin);
    await page.goto('/apps/dev/guestbook?object=apps/Deployment/guestbook/guestbook&tab=diff');
    await page.getByRole('tabpanel').waitFor();
    await page.getByRole('heading', { name: 'History' }).waitFor();
    await page.getByRole('row').nth(1).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'app page');
  });
  test('a promote from the Releases page: confirmed, committed, and shown', async () => {
    const page = await fx.newPage();
    await signIn(page, e2eTokens.admin);
    await page.getByRole('navigation').getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('link', { name: 'orders', exact: true }).first().click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await page.getByRole('button', { name: 'Promote 20261207-014251-9a7f2c6 to staging…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('Promote orders 20261207-014251-9a7f2c6 from dev to staging, replacing 20261207-014227-5b1d9e3.').waitFor();
    await dialog.getByRole('button', { name: 'Promote', exact: true }).click();
    await page.getByText(/^Promoted orders 20261207-014251-9a7f2c6 from dev to staging, replacing 20261207-014227-5b1d9e3 \(commit [0-9a-f]{7}\)\.$/).waitFor({ timeout: 30_000 });
    const service = (await (await api('GET', '/api/v1/services/orders')).json()) as { environments: { env: string; release?: { artifact: string; releasedBy?: string } }[] };
    assert.equal(service.environments.find((e) => e.env === 'staging')?.release?.artifact, '20261207-014251-9a7f2c6', 'staging runs what dev runs, by a commit');
    await page.getByText('up to date with dev').first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await seriousAxeViolations(page), [], 'a service\'s releases page');
    await page.getByRole('navigation').getByRole('link', { name: 'Releases' }).click();
    await page.getByRole('heading', { name: 'Services' }).waitFor();
    assert.deepEqual(await seriousAxeViolations(page), [], 'the releases page');
  });
  test('on a 390 px phone in dark mode no page scrolls sideways, and axe finds no serious violation', async () => {
    const context = await fx.browser.newContext({ baseURL: fx.url, viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      const page = await context.newPage();
      await signIn(page, e2eTokens.admin);
      const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.getByRole('link', { name: 'guestbook', exact: true }).first().waitFor();
      assert.equal(await sideways(), 0, 'overview');
      assert.deepEqual(await seriousAxeViolations(page), [], 'overview, phone, dark');
      await page.goto('/apps/dev/guestbook?object=apps/Deployment/guestbook/guestbook&tab=diff&diff=split');
      await page.getByRole('tabpanel').waitFor();
      await page.getByRole('heading', { name: 'History' }).waitFor();
      assert.equal(await sideways(), 0, 'app page with a side-by-side diff');
      assert.deepEqual(await seriousAxeViolations(page), [], 'app page, phone, dark');
      await page.goto('/releases/orders');
      await page.getByRole('heading', { name: 'Newest artifacts' }).waitFor();
      assert.equal(await sideways(), 0, 'a service\'s releases');
      assert.deepEqual(await seriousAxeViolations(page), [], 'releases, phone, dark');
    } finally {
      await context.close();
    }
  });
});
