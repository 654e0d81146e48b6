import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { applied, older, renderPage } from './app-page-testing.tsx';

const history = () => screen.findByRole('region', { name: 'History' });

describe('app page: history and rollback', () => {
  it('lists the history newest first, with rollback only to earlier successful revisions', async () => {
    renderPage({ role: 'deploy' });
    const table = await within(await history()).findByRole('table');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getByRole('rowheader').textContent)).toEqual(['3', '2', '1']);
    expect(within(rows[0]).queryByRole('button')).toBeNull();
    expect(within(rows[1]).queryByRole('button')).toBeNull();
    expect(within(rows[2]).getByRole('button', { name: 'Roll back to #1 (ccccccc)…' })).toBeTruthy();
  });

  it('offers no rollback to a read token', async () => {
    renderPage({ role: 'read' });
    await within(await history()).findByRole('table');
    expect(screen.queryByRole('button', { name: /Roll back/ })).toBeNull();
  });

  it('rolls back after a confirmation that says from which revision to which', async () => {
    const page = renderPage({ role: 'deploy' });
    page.api.routes.set('POST /api/v1/apps/dev/web/rollback', () => ({
      status: 200,
      body: { app: 'web', env: 'dev', revision: older, result: 'Succeeded', changeSet: { changes: [] }, counts: { configured: 1, unchanged: 3 } },
    }));
    await userEvent.click(await screen.findByRole('button', { name: /^Roll back to #1/ }));
    const dialog = await screen.findByRole('dialog', { name: 'Roll back web in dev?' });
    expect(dialog.textContent).toContain(`applies revision ${older.slice(0, 7)} again (history entry #1`);
    expect(dialog.textContent).toContain(`in place of ${applied.slice(0, 7)}, the revision applied now`);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Roll back to ccccccc' }));
    const region = await history();
    await waitFor(() => expect(region.querySelector('.result')?.textContent).toBe('Rollback to ccccccc succeeded (1 configured, 3 unchanged)'));
    expect(page.requests('/api/v1/apps/dev/web/rollback')).toEqual([{ method: 'POST', path: '/api/v1/apps/dev/web/rollback', authorization: 'Bearer deploy-token', body: { to: 1 } }]);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it("shows the API's error in the rollback dialog, and Escape cancels", async () => {
    const page = renderPage({ role: 'admin' });
    page.api.routes.set('POST /api/v1/apps/dev/web/rollback', () => ({ status: 409, body: { error: { message: 'web/dev: a sync is already running', category: 'conflict' } } }));
    await userEvent.click(await screen.findByRole('button', { name: /^Roll back to #1/ }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.click(within(dialog).getByRole('button', { name: /^Roll back to/ }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('web/dev: a sync is already running');
    await userEvent.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });
});

describe('app page: delete', () => {
  it('is not offered to a deploy token', async () => {
    renderPage({ role: 'deploy' });
    await history();
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull();
  });

  it('is enabled for an admin only once the app name is typed, and sends it', async () => {
    const page = renderPage({ role: 'admin' });
    page.api.routes.set('DELETE /api/v1/apps/dev/web', () => ({ status: 200, body: { app: 'web', env: 'dev', revision: applied, result: 'Succeeded', changeSet: { changes: [] }, counts: { deleted: 4 } } }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete web…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete web from dev?' });
    const confirm = within(dialog).getByRole('button', { name: 'Delete web' }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);
    const input = within(dialog).getByLabelText('Type web to confirm');
    expect(document.activeElement).toBe(input);
    await userEvent.type(input, 'we');
    expect(confirm.disabled).toBe(true);
    await userEvent.type(input, 'b');
    expect(confirm.disabled).toBe(false);
    await userEvent.click(confirm);
    const region = screen.getByRole('region', { name: 'Delete' });
    await waitFor(() => expect(region.querySelector('.result')?.textContent).toBe('web was deleted from dev (4 deleted). Applications'));
    expect(page.requests('/api/v1/apps/dev/web')).toEqual([{ method: 'DELETE', path: '/api/v1/apps/dev/web', authorization: 'Bearer admin-token', body: { confirm: 'web' } }]);
  });

  it("shows the API's error in the delete dialog", async () => {
    const page = renderPage({ role: 'admin' });
    page.api.routes.set('DELETE /api/v1/apps/dev/web', () => ({ status: 409, body: { error: { message: 'web/dev: a sync is already running', category: 'conflict' } } }));
    await userEvent.click(await screen.findByRole('button', { name: 'Delete web…' }));
    const dialog = await screen.findByRole('dialog');
    await userEvent.type(within(dialog).getByLabelText('Type web to confirm'), 'web');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete web' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('web/dev: a sync is already running');
    expect((within(dialog).getByLabelText('Type web to confirm') as HTMLInputElement).value).toBe('web');
  });
});
