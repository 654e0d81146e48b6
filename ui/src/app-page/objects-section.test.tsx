import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { renderPage } from './app-page-testing.tsx';

const tree = () => screen.findByRole('tree', { name: 'Objects of web' });
const item = (name: RegExp) => screen.findByRole('treeitem', { name });

describe('app page: object tree', () => {
  it('shows the app, its objects and what they own, with kind, health and sync', async () => {
    renderPage();
    await tree();
    const deployment = await item(/^Deployment web/);
    expect(deployment.getAttribute('aria-level')).toBe('2');
    expect(deployment.getAttribute('aria-expanded')).toBe('true');
    expect(within(deployment).getAllByText('OutOfSync')).toHaveLength(1);
    const rs = await item(/^ReplicaSet web-7d9f/);
    expect(rs.getAttribute('aria-level')).toBe('3');
    const pod = await item(/^Pod web-7d9f-x2k4p/);
    expect(pod.getAttribute('aria-level')).toBe('4');
    expect(pod.getAttribute('aria-expanded')).toBeNull();
    expect((await item(/^ConfigMap config/)).getAttribute('aria-level')).toBe('2');
    expect(within(deployment).getByText('dep', { selector: '.kind-icon' })).toBeTruthy();
  });

  it('moves, collapses, expands and selects with the keyboard', async () => {
    renderPage();
    const root = await item(/^App web/);
    expect(root.tabIndex).toBe(0);
    act(() => root.focus());
    await userEvent.keyboard('{ArrowDown}');
    const deployment = await item(/^Deployment web/);
    expect(document.activeElement).toBe(deployment);
    expect(deployment.tabIndex).toBe(0);
    expect(root.tabIndex).toBe(-1);

    await userEvent.keyboard('{ArrowLeft}');
    await waitFor(() => expect(deployment.getAttribute('aria-expanded')).toBe('false'));
    expect(screen.queryByRole('treeitem', { name: /^ReplicaSet/ })).toBeNull();
    await userEvent.keyboard('{ArrowDown}');
    expect(document.activeElement).toBe(await item(/^ConfigMap config/));
    await userEvent.keyboard('{ArrowUp}{ArrowRight}');
    await waitFor(() => expect(deployment.getAttribute('aria-expanded')).toBe('true'));
    await userEvent.keyboard('{ArrowRight}');
    expect(document.activeElement).toBe(await item(/^ReplicaSet web-7d9f/));
    // Left collapses the ReplicaSet (it owns a Pod), then moves to its Deployment.
    await userEvent.keyboard('{ArrowLeft}');
    expect(document.activeElement).toBe(await item(/^ReplicaSet web-7d9f/));
    expect(screen.queryByRole('treeitem', { name: /^Pod/ })).toBeNull();
    await userEvent.keyboard('{ArrowLeft}');
    expect(document.activeElement).toBe(deployment);
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(window.location.search).toBe('?object=apps/Deployment/web/web'));
    expect(deployment.getAttribute('aria-selected')).toBe('true');
  });

  it('reads the objects again when the app changes on the live stream', async () => {
    const page = renderPage();
    await item(/^Deployment web/);
    expect(page.requests('/api/v1/apps/dev/web/resources')).toHaveLength(1);
    page.api.routes.set('GET /api/v1/apps/dev/web/resources', () => ({ status: 200, body: [{ apiVersion: 'v1', key: { group: '', kind: 'Service', namespace: 'web', name: 'web' }, health: 'Healthy', sync: 'Synced' }] }));
    page.update({ health: 'Healthy' });
    expect(await item(/^Service web/)).toBeTruthy();
    expect(screen.queryByRole('treeitem', { name: /^Deployment/ })).toBeNull();
    expect(page.requests('/api/v1/apps/dev/web/resources')).toHaveLength(2);
  });

  it("shows the API's error where the objects are", async () => {
    renderPage({ setup: (api) => api.routes.set('GET /api/v1/apps/dev/web/resources', () => ({ status: 503, body: { error: { message: 'cluster dev is unreachable', category: 'transient' } } })) });
    const section = await screen.findByRole('region', { name: 'Objects' });
    expect((await within(section).findByRole('alert')).textContent).toBe('cluster dev is unreachable');
  });
});

describe('app page: object panel', () => {
  it('selects an object into the URL and shows its live manifest as YAML; back closes it', async () => {
    const page = renderPage();
    await userEvent.click(await item(/^Deployment web/));
    expect(window.location.search).toBe('?object=apps/Deployment/web/web');
    const panel = await screen.findByRole('region', { name: /^Deployment web/ });
    const manifest = await within(panel).findByLabelText('Live manifest of Deployment/web/web');
    expect(manifest.textContent).toBe('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: web\nspec:\n  replicas: 2\n');
    expect(page.api.requests.at(-1)?.path).toBe('/api/v1/apps/dev/web/object?apiVersion=apps%2Fv1&kind=Deployment&namespace=web&name=web');
    expect(within(panel).getByRole('tab', { name: 'Manifest' }).getAttribute('aria-selected')).toBe('true');
    expect(within(panel).queryByRole('tab', { name: 'Logs' })).toBeNull();

    act(() => window.history.back());
    await waitFor(() => expect(screen.queryByRole('region', { name: /^Deployment web/ })).toBeNull());
    act(() => window.history.forward());
    expect(await screen.findByRole('region', { name: /^Deployment web/ })).toBeTruthy();
  });

  it('shows the diff unified, then side by side, the mode kept in the URL', async () => {
    renderPage({ search: '?object=apps/Deployment/web/web&tab=diff' });
    const unified = await screen.findByLabelText('Unified diff of Deployment/web/web, cluster to git');
    expect(screen.getByText(/a sync changes it/)).toBeTruthy();
    expect([...unified.querySelectorAll('.remove')].map((l) => l.textContent)).toEqual(['-  replicas: 2\n']);
    expect([...unified.querySelectorAll('.add')].map((l) => l.textContent)).toEqual(['+  replicas: 3\n']);
    expect(unified.textContent).not.toContain('+++');

    await userEvent.click(screen.getByRole('button', { name: 'Side by side' }));
    expect(window.location.search).toBe('?object=apps/Deployment/web/web&tab=diff&diff=split');
    const panel = screen.getByRole('region', { name: /^Deployment web/ });
    const split = await within(panel).findByRole('table');
    const changed = within(split)
      .getAllByRole('row')
      .find((row) => row.textContent?.includes('replicas: 2'));
    expect([...changed!.querySelectorAll('td')].map((td) => td.textContent)).toEqual(['6', '-  replicas: 2', '6', '+  replicas: 3']);
    expect(screen.getByRole('button', { name: 'Side by side' }).getAttribute('aria-pressed')).toBe('true');
  });

  it('says an owned object has no diff, and an unchanged one matches git', async () => {
    renderPage({ search: '?object=/ConfigMap/web/config&tab=diff' });
    expect(await screen.findByText('The cluster matches git.')).toBeTruthy();
    await userEvent.click(await item(/^Pod web-7d9f-x2k4p/));
    expect(await screen.findByText(/is not in git/)).toBeTruthy();
  });

  it("lists the object's events, warnings first when newest", async () => {
    const page = renderPage({ search: '?object=apps/Deployment/web/web' });
    page.api.routes.set('GET /api/v1/apps/dev/web/object/events', () => ({
      status: 200,
      body: {
        events: [
          { type: 'Normal', reason: 'ScalingReplicaSet', message: 'Scaled up replica set web-7d9f to 2', count: 1, lastTimestamp: '2024-05-03T10:00:00Z', source: 'deployment-controller' },
          { type: 'Warning', reason: 'FailedCreate', message: 'exceeded quota: compute', count: 4, lastTimestamp: '2024-05-03T10:05:00Z' },
        ],
      },
    }));
    await userEvent.click(await screen.findByRole('tab', { name: 'Events' }));
    expect(window.location.search).toBe('?object=apps/Deployment/web/web&tab=events');
    const list = await screen.findByRole('list', { name: 'Events of Deployment/web/web' });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((i) => i.querySelector('.event-message')?.textContent)).toEqual(['exceeded quota: compute', 'Scaled up replica set web-7d9f to 2']);
    expect(items[0].textContent).toMatch(/^Warning FailedCreate ×4/);
    expect(page.api.requests.at(-1)?.path).toBe('/api/v1/apps/dev/web/object/events?apiVersion=apps%2Fv1&kind=Deployment&namespace=web&name=web');
  });

  it('moves between tabs with the arrow keys', async () => {
    renderPage({ search: '?object=apps/Deployment/web/web' });
    const manifestTab = await screen.findByRole('tab', { name: 'Manifest' });
    act(() => manifestTab.focus());
    await userEvent.keyboard('{ArrowRight}');
    await waitFor(() => expect(window.location.search).toBe('?object=apps/Deployment/web/web&tab=diff'));
    expect(document.activeElement).toBe(screen.getByRole('tab', { name: 'Diff' }));
  });

  it("shows the API's error in the panel", async () => {
    const page = renderPage();
    page.api.routes.set('GET /api/v1/apps/dev/web/object', () => ({ status: 404, body: { error: { message: 'Deployment/web/web not found in cluster dev', category: 'not-found' } } }));
    await userEvent.click(await item(/^Deployment web/));
    const panel = await screen.findByRole('region', { name: /^Deployment web/ });
    expect((await within(panel).findByRole('alert')).textContent).toBe('Deployment/web/web not found in cluster dev');
  });
});

describe('app page: pod logs', () => {
  it('shows the last lines, follows new ones, and stops following when the panel closes', async () => {
    const page = renderPage({
      search: '?object=/Pod/web/web-7d9f-x2k4p&tab=logs',
      setup: (api) => {
        api.routes.set('GET /api/v1/apps/dev/web/object', () => ({
          status: 200,
          body: { apiVersion: 'v1', key: { group: '', kind: 'Pod', namespace: 'web', name: 'web-7d9f-x2k4p' }, manifest: { kind: 'Pod', spec: { containers: [{ name: 'app' }, { name: 'proxy' }] } } },
        }));
        api.routes.set('GET /api/v1/apps/dev/web/logs', () => ({ status: 200, body: { lines: ['listening on :8080', 'GET /healthz 200'] } }));
      },
    });
    const log = await screen.findByLabelText('Log of web-7d9f-x2k4p, container app');
    await waitFor(() => expect(log.textContent).toBe('listening on :8080\nGET /healthz 200'));
    expect(page.requests('/api/v1/apps/dev/web/logs').at(-1)?.path).toBe('/api/v1/apps/dev/web/logs?namespace=web&pod=web-7d9f-x2k4p&container=app&tailLines=200&follow=false');
    expect((screen.getByLabelText('Container') as HTMLSelectElement).value).toBe('app');

    await userEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(page.logStreams).toHaveLength(1));
    const stream = page.logStreams[0];
    expect(stream.path).toBe('/api/v1/apps/dev/web/logs?namespace=web&pod=web-7d9f-x2k4p&container=app&tailLines=200&follow=true');
    act(() => {
      stream.line('GET /healthz 200');
      stream.line('GET /api/orders 201');
    });
    await waitFor(() => expect(screen.getByLabelText(/^Log of/).textContent).toBe('GET /healthz 200\nGET /api/orders 201'));
    expect(stream.aborted).toBe(false);

    await userEvent.click(screen.getByRole('button', { name: 'Close Pod/web/web-7d9f-x2k4p' }));
    await waitFor(() => expect(stream.aborted).toBe(true));
    expect(window.location.search).toBe('');
  });

  it("shows the API's error when the followed log fails", async () => {
    const page = renderPage({ search: '?object=/Pod/web/web-7d9f-x2k4p&tab=logs', setup: (api) => api.routes.set('GET /api/v1/apps/dev/web/logs', () => ({ status: 200, body: { lines: ['one'] } })) });
    await screen.findByText('one');
    await userEvent.click(screen.getByRole('button', { name: 'Follow' }));
    await waitFor(() => expect(page.logStreams).toHaveLength(1));
    act(() => {
      page.logStreams[0].line('two');
      page.logStreams[0].end('Pod/web/web-7d9f-x2k4p: container app is waiting to start');
    });
    const panel = screen.getByRole('region', { name: /^Pod web-7d9f-x2k4p/ });
    expect((await within(panel).findByRole('alert')).textContent).toBe('Pod/web/web-7d9f-x2k4p: container app is waiting to start');
    expect(screen.getByLabelText(/^Log of/).textContent).toBe('two');
    expect(screen.getByRole('button', { name: 'Follow' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('stops following when Follow is switched off', async () => {
    const page = renderPage({ search: '?object=/Pod/web/web-7d9f-x2k4p&tab=logs', setup: (api) => api.routes.set('GET /api/v1/apps/dev/web/logs', () => ({ status: 200, body: { lines: [] } })) });
    const follow = await screen.findByRole('button', { name: 'Follow' });
    await screen.findByText('The log is empty.');
    await userEvent.click(follow);
    await waitFor(() => expect(page.logStreams).toHaveLength(1));
    expect(follow.getAttribute('aria-pressed')).toBe('true');
    await userEvent.click(follow);
    await waitFor(() => expect(page.logStreams[0].aborted).toBe(true));
  });
});
