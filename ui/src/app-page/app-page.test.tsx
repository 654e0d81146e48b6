import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../app.tsx';
import { tokenKey } from '../session.ts';
import { appState, FakeApi } from '../testing.ts';

const rev = 'b'.repeat(40);

function openApp(token: string) {
  const api = new FakeApi({ apps: [appState('web', 'dev', { sync: 'OutOfSync', targetRevision: rev })] });
  api.routes.set('GET /api/v1/apps/dev/web/diff', () => ({
    status: 200,
    body: {
      app: 'web',
      env: 'dev',
      revision: rev,
      changed: true,
      diffs: [
        { key: { group: 'apps', kind: 'Deployment', namespace: 'web', name: 'web' }, action: 'update', unified: '', changedPaths: ['spec.replicas'] },
        { key: { group: '', kind: 'ConfigMap', namespace: 'web', name: 'config' }, action: 'unchanged', unified: '', changedPaths: [] },
      ],
    },
  }));
  window.sessionStorage.setItem(tokenKey, token);
  window.history.replaceState(null, '', '/apps/dev/web');
  render(<App fetch={api.fetch} flushMs={0} />);
  return api;
}

describe('app page', () => {
  it('offers no sync to a read token', async () => {
    openApp('read-token');
    expect(await screen.findByRole('button', { name: 'Refresh' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /^Sync/ })).toBeNull();
  });

  it('syncs after a confirmation that says what will change', async () => {
    const api = openApp('deploy-token');
    api.routes.set('POST /api/v1/apps/dev/web/sync', () => ({
      status: 200,
      body: { app: 'web', env: 'dev', revision: rev, result: 'Succeeded', changeSet: { changes: [] }, counts: { configured: 1, unchanged: 1 } },
    }));
    await userEvent.click(await screen.findByRole('button', { name: 'Sync…' }));
    const confirm = await screen.findByRole('group', { name: 'Confirm sync' });
    expect(within(confirm).getByText(/1 object will change/)).toBeTruthy();
    expect(within(confirm).getByRole('listitem').textContent).toBe('update Deployment/web/web');
    await userEvent.click(within(confirm).getByLabelText(/force/));
    await userEvent.click(within(confirm).getByRole('button', { name: 'Sync now' }));
    expect(await screen.findByText('Sync succeeded (1 configured, 1 unchanged)')).toBeTruthy();
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v1/apps/dev/web/sync', authorization: 'Bearer deploy-token', body: { revision: rev, prune: true, force: true } });
  });

  it('syncs to the revision typed in the confirmation, and says the list compared the newest commit', async () => {
    const api = openApp('deploy-token');
    api.routes.set('POST /api/v1/apps/dev/web/sync', () => ({
      status: 200,
      body: { app: 'web', env: 'dev', revision: 'release-1', result: 'Succeeded', changeSet: { changes: [] }, counts: { configured: 1 } },
    }));
    await userEvent.click(await screen.findByRole('button', { name: 'Sync…' }));
    const confirm = await screen.findByRole('group', { name: 'Confirm sync' });
    await userEvent.type(within(confirm).getByLabelText(/^Revision/), 'release-1');
    expect(within(confirm).getByText(/syncing release-1 applies what that revision renders/)).toBeTruthy();
    await userEvent.click(within(confirm).getByRole('button', { name: 'Sync now' }));
    expect(await screen.findByText('Sync succeeded (1 configured)')).toBeTruthy();
    expect(api.requests.at(-1)).toMatchObject({ method: 'POST', path: '/api/v1/apps/dev/web/sync', body: { revision: 'release-1', prune: true, force: false } });
  });

  it("shows the API's error where the sync was asked for", async () => {
    const api = openApp('admin-token');
    api.routes.set('POST /api/v1/apps/dev/web/sync', () => ({ status: 409, body: { error: { message: 'web/dev: a sync is already running', category: 'conflict' } } }));
    await userEvent.click(await screen.findByRole('button', { name: 'Sync…' }));
    await userEvent.click(await screen.findByRole('button', { name: 'Sync now' }));
    const actions = screen.getByRole('region', { name: 'Actions' });
    expect((await within(actions).findByRole('alert')).textContent).toBe('web/dev: a sync is already running');
    expect(screen.getByRole('group', { name: 'Confirm sync' })).toBeTruthy();
  });
});
