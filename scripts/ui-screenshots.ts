// Takes the web UI's screenshots in docs/screenshots/ (referenced from README): the same fixture as
// the end-to-end tests (a sandbox, the example repo, the agent serving dist/ui, Debian's chromium),
// with one object edited by hand so the app has a diff to show. Run after `npm run build`:
//   npx tsx scripts/ui-screenshots.ts
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { e2eTokens, editGuestbookByHand, signIn, startUiFixture, until } from '../src/ui-e2e/browser-testing.ts';
import { capstanRoot } from '../src/cli/provide-tools.ts';

const outDir = path.join(capstanRoot, 'docs', 'screenshots');

async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(outDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  console.log(`wrote ${path.relative(capstanRoot, file)}`);
}

async function main(): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const fx = await startUiFixture();
  try {
    await editGuestbookByHand(fx);
    await until('guestbook to drift', () => (fx.apps().find((s) => s.app === 'guestbook')?.sync === 'OutOfSync' ? true : undefined), 60_000);

    const page = await fx.newPage();
    await signIn(page, e2eTokens.admin);
    for (const { app } of fx.apps()) await page.getByRole('link', { name: app, exact: true }).first().waitFor();
    await shoot(page, 'overview');

    await page.goto('/apps/dev/guestbook?object=apps/Deployment/guestbook/guestbook&tab=manifest');
    await page.getByRole('tabpanel').getByText('kind: Deployment').waitFor();
    await shoot(page, 'app-tree');

    await page.goto('/apps/dev/guestbook?object=apps/Deployment/guestbook/guestbook&tab=diff&diff=split');
    await page.getByRole('region', { name: /^Side-by-side diff of Deployment/ }).getByText('hand-edited').first().waitFor();
    await shoot(page, 'diff');

    await page.goto('/releases/orders');
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await page.getByRole('heading', { name: 'Newest artifacts' }).waitFor();
    await shoot(page, 'releases');

    const phone = await fx.browser.newContext({ baseURL: fx.url, viewport: { width: 390, height: 844 }, colorScheme: 'dark' });
    try {
      const small = await phone.newPage();
      await signIn(small, e2eTokens.admin);
      await small.getByRole('link', { name: 'guestbook', exact: true }).first().waitFor();
      await shoot(small, 'overview-phone-dark');
    } finally {
      await phone.close();
    }
  } finally {
    await fx.close();
  }
}

await main();
