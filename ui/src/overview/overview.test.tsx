import { act, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../app.tsx';
import { tokenKey } from '../session.ts';
import { appState, FakeApi, ManualClock } from '../testing.ts';

const apps = [
  appState('web', 'dev'),
  appState('api', 'dev', { sync: 'OutOfSync', health: 'Degraded', failures: 2 }),
  appState('web', 'staging', { health: 'Progressing', operation: { phase: 'running', trigger: 'manual', since: '2026-01-01T00:00:00Z' } }),
  appState('webhooks', 'prod', { notReleased: true, sync: 'OutOfSync', health: 'Missing' }),
];

function signedIn(url = '/', api = new FakeApi({ apps }), clock?: ManualClock) {
  window.sessionStorage.setItem(tokenKey, 'read-token');
  window.history.replaceState(null, '', url);
  render(<App fetch={api.fetch} clock={clock} flushMs={0} />);
  return api;
}

/** The visible rows of the list: `app env sync health`. */
function rows(): string[] {
  const table = screen.getByRole('table');
  return within(table)
    .getAllByRole('row')
    .slice(1)
    .map((row) => [...row.querySelectorAll('th, td')].slice(0, 4).map((c) => c.textContent).join(' '));
}

describe('overview', () => {
  it('lists every app × environment with sync, health and a link to the app, and counts them', async () => {
    signedIn();
    await screen.findByRole('table');
    expect(rows()).toEqual(['web dev Synced Healthy', 'api dev OutOfSync Degraded', 'web staging Synced Progressing', 'webhooks prod NotReleased Missing']);
    expect(screen.getByRole('link', { name: 'api' }).getAttribute('href')).toBe('/apps/dev/api');
    const health = screen.getByRole('group', { name: 'Counts by health' });
    expect(within(health).getAllByRole('button').map((b) => b.textContent)).toEqual(['Healthy 1', 'Progressing 1', 'Missing 1', 'Degraded 1']);
    const sync = screen.getByRole('group', { name: 'Counts by sync' });
    expect(within(sync).getAllByRole('button').map((b) => b.textContent)).toEqual(['Synced 2', 'OutOfSync 1', 'NotReleased 1']);
    expect(screen.getByText('2 failed syncs')).toBeTruthy();
    expect(screen.getByText('syncing')).toBeTruthy();
  });

  it('keeps the filters in the URL, and reads them from it', async () => {
    signedIn('/?health=Degraded');
    await screen.findByRole('table');
    expect(rows()).toEqual(['api dev OutOfSync Degraded']);
    expect((screen.getByLabelText('Health') as HTMLSelectElement).value).toBe('Degraded');

    await userEvent.selectOptions(screen.getByLabelText('Health'), '');
    await userEvent.selectOptions(screen.getByLabelText('Environment'), 'dev');
    expect(window.location.search).toBe('?env=dev');
    await userEvent.type(screen.getByLabelText('Name'), 'WE');
    expect(window.location.search).toBe('?env=dev&q=WE');
    expect(rows()).toEqual(['web dev Synced Healthy']);
    // Counts follow the environment and name, so they say what the health and sync filters would show.
    expect(within(screen.getByRole('group', { name: 'Counts by sync' })).getAllByRole('button').map((b) => b.textContent)).toEqual(['Synced 1']);

    await userEvent.click(within(screen.getByRole('group', { name: 'Counts by sync' })).getByRole('button', { name: 'Synced 1' }));
    expect(window.location.search).toBe('?env=dev&sync=Synced&q=WE');
    await userEvent.selectOptions(screen.getByLabelText('Sync'), 'OutOfSync');
    expect(screen.getByText('No applications match the filters.')).toBeTruthy();

    act(() => window.history.back());
    await waitFor(() => expect(window.location.search).toBe('?env=dev&sync=Synced&q=WE'));
    expect(rows()).toEqual(['web dev Synced Healthy']);
  });

  it('shows apps × environments as a matrix with ?view=matrix', async () => {
    signedIn();
    await screen.findByRole('table');
    await userEvent.click(screen.getByRole('button', { name: 'Matrix' }));
    expect(window.location.search).toBe('?view=matrix');
    const table = screen.getByRole('table');
    expect(within(table).getAllByRole('columnheader').map((c) => c.textContent)).toEqual(['App', 'dev', 'staging', 'prod']);
    expect(within(table).getAllByRole('rowheader').map((c) => c.textContent)).toEqual(['web', 'api', 'webhooks']);
    expect(within(table).getByRole('link', { name: 'web in staging: Synced, Progressing' }).getAttribute('href')).toBe('/apps/staging/web');
    expect(screen.getByRole('button', { name: 'Matrix' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('updates live from the events stream, and says when the stream is lost and back', async () => {
    const clock = new ManualClock();
    const api = signedIn('/', new FakeApi({ apps }), clock);
    await waitFor(() => expect(api.openStreams).toBe(1));
    await act(async () => clock.advance(0));
    await screen.findByRole('table');

    await act(async () => {
      api.streams[0].send({ type: 'sync', state: appState('api', 'dev'), result: {} });
      api.streams[0].send({ type: 'app', state: appState('worker', 'prod', { health: 'Degraded' }) });
      await new Promise((resolve) => setTimeout(resolve, 0));
      clock.advance(0);
    });
    expect(rows()).toEqual(['web dev Synced Healthy', 'api dev Synced Healthy', 'web staging Synced Progressing', 'webhooks prod NotReleased Missing', 'worker prod Synced Degraded']);

    expect(screen.getByRole('status').textContent).toBe('');
    await act(async () => {
      api.streams[0].drop();
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(screen.getByRole('status').textContent).toBe('Live updates lost — reconnecting…');
    expect(rows()).toHaveLength(5); // what was known stays shown

    await act(async () => {
      clock.advance(1000);
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Live updates reconnected'));
    expect(api.openStreams).toBe(1);
    expect(api.requests.filter((r) => r.path === '/api/v1/apps')).toHaveLength(2);
    await act(async () => clock.advance(5000));
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('navigates to an app and back with the History API', async () => {
    signedIn('/?env=dev');
    await userEvent.click(await screen.findByRole('link', { name: 'api' }));
    expect(window.location.pathname).toBe('/apps/dev/api');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('api in dev');
    expect(screen.getByText('2')).toBeTruthy();
    act(() => window.history.back());
    await waitFor(() => expect(window.location.search).toBe('?env=dev'));
    expect(screen.getByRole('heading', { name: 'Applications' })).toBeTruthy();
  });

  it('renders the rows of a long list that are in view, and says how many there are', async () => {
    const many = Array.from({ length: 150 }, (_, i) => appState(`app-${String(i).padStart(3, '0')}`, 'dev'));
    signedIn('/', new FakeApi({ apps: many }));
    const table = await screen.findByRole('table');
    expect(table.getAttribute('aria-rowcount')).toBe('151');
    const rendered = within(table).getAllByRole('row').slice(1);
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.length).toBeLessThan(150);
    expect(rendered[0]!.getAttribute('aria-rowindex')).toBe('2');
    expect(within(rendered[0]!).getByRole('link').textContent).toBe('app-000');
    // the rows not rendered are stood for by a spacer of their height
    expect(table.querySelectorAll('tr.spacer')).toHaveLength(1);

    // a filter down to 100 rows or fewer renders them all
    await userEvent.type(screen.getByLabelText('Name'), 'app-1');
    expect(rows()).toHaveLength(50);
    expect(table.querySelectorAll('tr.spacer')).toHaveLength(0);
  });

  it("shows each app's target commit with its subject and author, reading each distinct commit once", async () => {
    const head = 'c'.repeat(40);
    const api = new FakeApi({
      apps: [appState('web', 'dev', { targetRevision: head, sync: 'OutOfSync' }), appState('api', 'dev', { targetRevision: head, revision: head }), appState('web', 'prod', { targetRevision: 'd'.repeat(40) })],
    });
    api.routes.set(`GET /api/v1/commits/${head}`, () => ({ status: 200, body: { sha: head, subject: 'Raise the web replicas', author: 'Ada Lovelace <ada@example.com>', time: '2026-12-07T04:00:00Z' } }));
    signedIn('/', api);
    const table = await screen.findByRole('table');
    await waitFor(() => expect(within(table).getAllByText('Raise the web replicas · Ada Lovelace')).toHaveLength(2));
    const web = within(table).getAllByRole('row')[1]!;
    const revision = web.querySelector('td.revision')!;
    expect(revision.textContent).toBe('aaaaaaa → ccccccc Raise the web replicas · Ada Lovelace');
    expect(revision.getAttribute('title')).toBe(`applied ${'a'.repeat(40)} · target ccccccc Raise the web replicas — Ada Lovelace <ada@example.com>, 2026-12-07T04:00:00Z`);
    // a phone shows the target under the app's name
    expect(web.querySelector('th .commit-line')!.textContent).toBe('ccccccc Raise the web replicas');
    // a commit the agent does not know is shown by its SHA alone
    const prod = within(table).getAllByRole('row')[3]!;
    expect(prod.querySelector('td.revision')!.textContent).toBe('aaaaaaa → ddddddd');
    expect(api.requests.filter((r) => r.path.startsWith('/api/v1/commits/')).map((r) => r.path).sort()).toEqual([`/api/v1/commits/${head}`, `/api/v1/commits/${'d'.repeat(40)}`]);

    // the matrix: the short SHA, the rest in its title
    await userEvent.click(screen.getByRole('button', { name: 'Matrix' }));
    const sha = within(screen.getByRole('table')).getAllByText('ccccccc')[0]!;
    expect(sha.getAttribute('title')).toBe('target ccccccc Raise the web replicas — Ada Lovelace <ada@example.com>, 2026-12-07T04:00:00Z');
    expect(api.requests.filter((r) => r.path.startsWith('/api/v1/commits/'))).toHaveLength(2);
  });

  it('shows a deep link to an app', async () => {
    signedIn('/apps/prod/webhooks');
    expect(await screen.findByText('NotReleased')).toBeTruthy();
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('webhooks in prod');
  });
});
