import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../app.tsx';
import { tokenKey } from '../session.ts';
import { appState, FakeApi } from '../testing.ts';
import type { Artifact, Policy, ReleaseLogEntry, ServiceStatus, ServiceSummary } from './releases-api.ts';

const hoursAgo = (h: number): string => new Date(Date.now() - h * 3600_000).toISOString();
const artifact = (id: string, extra: Partial<Artifact> = {}): Artifact => ({ id, service: 'web', branch: 'main', commit: `${id}${'0'.repeat(38)}`, author: 'Ana', builtAt: hoursAgo(5), digest: 'sha256:x', steps: [], ...extra });
const entry = (artifact: string, extra: Partial<ServiceStatus['environments'][number]['release'] & object> = {}) => ({ artifact, action: 'release' as const, releasedAt: hoursAgo(3), releasedBy: 'ci', ...extra });

/** web: m3 in dev and staging, m2 in prod (m1 before it); staging and prod promote from the one before. */
function webStatus(prodArtifact = 'm2'): ServiceStatus {
  const m = { m1: artifact('m1'), m2: artifact('m2', { author: 'Bo' }), m3: artifact('m3') } as Record<string, Artifact>;
  return {
    service: 'web',
    revision: 'f'.repeat(40),
    environments: [
      { env: 'dev', apps: ['web'], release: { ...entry('m3'), service: 'web', env: 'dev', history: [] }, artifact: m.m3, live: [{ app: 'web', sync: 'Synced', health: 'Healthy', revision: 'f'.repeat(40) }] },
      { env: 'staging', promotesFrom: 'dev', apps: ['web'], release: { ...entry('m3', { action: 'promote', from: 'dev' }), service: 'web', env: 'staging', history: [entry('m2')] }, artifact: m.m3, live: [] },
      { env: 'prod', promotesFrom: 'staging', apps: ['web'], release: { ...entry(prodArtifact), service: 'web', env: 'prod', history: [entry('m1')] }, artifact: m[prodArtifact], live: [{ app: 'web', sync: 'OutOfSync', health: 'Degraded', revision: 'f'.repeat(40) }] },
    ],
    artifacts: [m.m3, m.m2, m.m1],
    policies: [],
  };
}

const summary: ServiceSummary = {
  service: 'web',
  artifacts: 3,
  environments: [
    { env: 'dev', artifact: 'm3', branch: 'main', action: 'release', releasedAt: hoursAgo(3), releasedBy: 'ci' },
    { env: 'staging', artifact: 'm3', branch: 'main', action: 'promote', releasedAt: hoursAgo(3), releasedBy: 'ci' },
    { env: 'prod', artifact: 'm2', branch: 'main', action: 'release', releasedAt: hoursAgo(3), releasedBy: 'ci' },
  ],
};

const policy: Policy = { id: 'branch-restriction-all-prod', type: 'branch-restriction', env: 'prod', branchRegex: '^main$' };
const logEntry: ReleaseLogEntry = { commit: 'a1b2c3d'.padEnd(40, '0'), date: hoursAgo(2), author: 'ana', subject: 'promote web m3 from dev to staging', action: 'promote', service: 'web', env: 'staging', artifact: 'm3', from: 'dev' };

function openReleases(token: string, path: string, options: { crashes?: unknown; apps?: ReturnType<typeof appState>[] } = {}) {
  const api = new FakeApi({ apps: options.apps ?? [] });
  let status = webStatus();
  const setStatus = (next: ServiceStatus): void => {
    status = next;
  };
  api.routes.set('GET /api/v1/services', () => ({ status: 200, body: [summary] }));
  api.routes.set('GET /api/v1/services/web', () => ({ status: 200, body: status }));
  api.routes.set('GET /api/v1/policies', () => ({ status: 200, body: [policy] }));
  api.routes.set('GET /api/v1/releases/log', () => ({ status: 200, body: [logEntry] }));
  if (options.crashes) api.routes.set('GET /api/v1/crashes', () => ({ status: 200, body: options.crashes }));
  window.sessionStorage.setItem(tokenKey, token);
  window.history.replaceState(null, '', path);
  render(<App fetch={api.fetch} flushMs={0} />);
  return { api, setStatus };
}

const posts = (api: FakeApi, path: string) => api.requests.filter((r) => r.method !== 'GET' && r.path === path);

describe('releases page', () => {
  it('lists every service with the artifact, branch, commit, author, age and live state per environment, linking to the service', async () => {
    openReleases('read-token', '/releases');
    const table = await screen.findByRole('table', { name: 'What runs in each environment, per service' });
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Service', 'dev', 'staging', 'prod']);
    const row = within(table).getByRole('row', { name: /^web/ });
    const prod = (await within(row).findByText('m200000')).closest('td')!;
    expect(prod.textContent).toContain('commit m200000');
    expect(prod.textContent).toContain('m2');
    expect(prod.textContent).toContain('branch main');
    expect(prod.textContent).toContain('by Bo');
    expect(prod.textContent).toContain('released 3 h ago by ci');
    expect(within(prod).getByText('Degraded')).toBeTruthy();
    expect(within(row).getByRole('link', { name: 'web' }).getAttribute('href')).toBe('/releases/web');
    expect(screen.getByRole('link', { name: 'Releases', current: 'page' })).toBeTruthy();
  });

  it('promotes after a confirmation that says what will change, and shows the gate refusal as the API words it', async () => {
    const { api } = openReleases('deploy-token', '/releases/web');
    const gate = 'promotion gate of staging refuses to promote web m3 to prod: web in staging has been Synced and Healthy for 2m, 8m left. Wait, or pass --force to promote anyway (the commit records it)';
    api.routes.set('POST /api/v1/services/web/promote', () => ({ status: 422, body: { error: { message: gate, category: 'validation' } } }));
    await userEvent.click(await screen.findByRole('button', { name: 'Promote m3 to prod…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Promote web' });
    expect(within(dialog).getByText('Promote web m3 from staging to prod, replacing m2.')).toBeTruthy();
    await userEvent.type(within(dialog).getByLabelText(/Reason/), 'ready');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Promote' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe(gate);
    expect(posts(api, '/api/v1/services/web/promote')).toMatchObject([{ authorization: 'Bearer deploy-token', body: { env: 'prod', reason: 'ready' } }]);
  });

  it('offers force only after a refusal, with a reason, and says what the forced promotion did', async () => {
    const { api, setStatus } = openReleases('admin-token', '/releases/web');
    api.routes.set('POST /api/v1/services/web/promote', (body) =>
      (body as { force?: boolean }).force
        ? { status: 200, body: { committed: true, commit: '9'.repeat(40), service: 'web', env: 'prod', action: 'promote', artifact: 'm3', branch: 'main', from: 'staging', previous: 'm2', forced: 'gate of staging (requireHealthyFor 10m): 8m left' } }
        : { status: 422, body: { error: { message: 'promotion gate of staging refuses', category: 'validation' } } },
    );
    await userEvent.click(await screen.findByRole('button', { name: 'Promote m3 to prod…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Promote web' });
    expect(within(dialog).queryByRole('button', { name: 'Promote anyway (force)' })).toBeNull();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Promote' }));
    const force = await within(dialog).findByRole('button', { name: 'Promote anyway (force)' });
    expect((force as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(within(dialog).getByLabelText('Why force'), 'hotfix for INC-7');
    setStatus(webStatus('m3'));
    await userEvent.click(force);
    expect((await screen.findByText(/^Promoted web m3 from staging to prod/)).textContent).toMatch(/^Promoted web m3 from staging to prod, replacing m2 \(commit 9999999\); forced past: gate of staging/);
    expect(posts(api, '/api/v1/services/web/promote').at(-1)?.body).toEqual({ env: 'prod', force: true, reason: 'hotfix for INC-7' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(await screen.findByText('up to date with staging')).toBeTruthy();
  });

  it('moves the focus into a confirmation, and Escape closes it and gives the focus back', async () => {
    const { api } = openReleases('deploy-token', '/releases/web');
    const rollback = await screen.findByRole('button', { name: 'Roll back prod to m1…' });
    await userEvent.click(rollback);
    const dialog = await screen.findByRole('dialog', { name: 'Roll back web' });
    expect(document.activeElement).toBe(within(dialog).getByLabelText(/^Reason/));
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(rollback);
    expect(posts(api, '/api/v1/services/web/release')).toEqual([]);
  });

  it('gives a read token no action buttons', async () => {
    openReleases('read-token', '/releases/web');
    expect(await screen.findByRole('heading', { name: 'Newest artifacts' })).toBeTruthy();
    await screen.findByText('branch-restriction-all-prod');
    expect(screen.queryAllByRole('button').map((b) => b.textContent)).toEqual(['Sign out']);
    expect(screen.queryByRole('form', { name: 'Add a policy' })).toBeNull();
  });

  it('rolls an environment back to the artifact that ran before (release with previous)', async () => {
    const { api } = openReleases('deploy-token', '/releases/web');
    api.routes.set('POST /api/v1/services/web/release', () => ({ status: 200, body: { committed: true, commit: '8'.repeat(40), service: 'web', env: 'prod', action: 'rollback', artifact: 'm1', branch: 'main', previous: 'm2' } }));
    await userEvent.click(await screen.findByRole('button', { name: 'Roll back prod to m1…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Roll back web' });
    expect(within(dialog).getByText('Roll back web in prod from m2 to m1, the artifact that ran there before.')).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }));
    expect(await screen.findByText('Rolled back web in prod to m1 (commit 8888888).')).toBeTruthy();
    expect(posts(api, '/api/v1/services/web/release')).toMatchObject([{ body: { env: 'prod', previous: true } }]);
    // the log lists the new commit: it is read again
    await waitFor(() => expect(api.requests.filter((r) => r.path.startsWith('/api/v1/releases/log'))).toHaveLength(2));
  });

  it('releases an artifact to an environment chosen in the confirmation, showing the API error there', async () => {
    const { api } = openReleases('deploy-token', '/releases/web');
    const refusal = 'policy branch-restriction-all-prod refuses to release artifact "m1" of service "web" to environment "prod"';
    api.routes.set('POST /api/v1/services/web/release', () => ({ status: 422, body: { error: { message: refusal, category: 'validation' } } }));
    await userEvent.click(await screen.findByRole('button', { name: 'Release m1…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Release web' });
    expect(within(dialog).getByText('Release web m1 to dev, replacing m3.')).toBeTruthy();
    await userEvent.selectOptions(within(dialog).getByLabelText('Environment'), 'prod');
    expect(within(dialog).getByText('Release web m1 to prod, replacing m2.')).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Release' }));
    expect((await within(dialog).findByRole('alert')).textContent).toBe(refusal);
    expect(posts(api, '/api/v1/services/web/release')).toMatchObject([{ body: { env: 'prod', artifact: 'm1' } }]);
  });

  it('lists the policies; an admin deletes one after a confirmation', async () => {
    const { api } = openReleases('admin-token', '/releases');
    api.routes.set('DELETE /api/v1/policies/branch-restriction-all-prod', () => ({ status: 200, body: { committed: true, commit: '7'.repeat(40), policy } }));
    const policies = await screen.findByRole('region', { name: 'Policies' });
    const row = await within(policies).findByRole('row', { name: /branch-restriction-all-prod/ });
    expect(within(row).getByText('/^main$/')).toBeTruthy();
    await userEvent.click(within(row).getByRole('button', { name: 'Delete policy branch-restriction-all-prod' }));
    const dialog = await screen.findByRole('dialog', { name: 'Delete policy branch-restriction-all-prod' });
    expect(within(dialog).getByText(/only artifacts of branches matching \/\^main\$\/ may run in prod \(every service\)/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await within(policies).findByText('Deleted policy branch-restriction-all-prod (commit 7777777).')).toBeTruthy();
    expect(api.requests.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/v1/policies/branch-restriction-all-prod']);
  });

  it('offers no policy delete to a deployer', async () => {
    openReleases('deploy-token', '/releases');
    await screen.findByText('branch-restriction-all-prod');
    expect(screen.queryByRole('button', { name: /^Delete/ })).toBeNull();
  });

  it('adds a policy through the form after a confirmation', async () => {
    const { api } = openReleases('admin-token', '/releases');
    api.routes.set('POST /api/v1/policies', (body) => ({ status: 200, body: { committed: true, commit: '6'.repeat(40), policy: { id: 'auto-release-web-dev', ...(body as object) } } }));
    const form = await screen.findByRole('form', { name: 'Add a policy' });
    await userEvent.selectOptions(within(form).getByLabelText('Type'), 'auto-release');
    await screen.findByRole('columnheader', { name: 'staging' });
    await userEvent.selectOptions(within(form).getByLabelText('Environment'), 'dev');
    await userEvent.type(within(form).getByLabelText(/Service/), 'web');
    await userEvent.type(within(form).getByLabelText('Branch to release'), 'main');
    await userEvent.click(within(form).getByRole('button', { name: 'Add policy…' }));
    const dialog = await screen.findByRole('dialog', { name: 'Add a policy' });
    expect(within(dialog).getByText(/new artifacts of branch main of service web are released to dev/)).toBeTruthy();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add' }));
    expect(await screen.findByText('Added policy auto-release-web-dev (commit 6666666).')).toBeTruthy();
    expect(posts(api, '/api/v1/policies')).toMatchObject([{ body: { type: 'auto-release', env: 'dev', service: 'web', branch: 'main' } }]);
  });

  it('shows the release log and reads it again for an environment', async () => {
    const { api } = openReleases('read-token', '/releases');
    const log = await screen.findByRole('region', { name: 'Release log' });
    const row = await within(log).findByRole('row', { name: /promote web m3 from dev to staging/ });
    expect(row.textContent).toContain('2 h ago');
    expect(row.textContent).toContain('ana');
    expect(row.textContent).toContain('a1b2c3d');
    await within(log).findByRole('option', { name: 'prod' });
    await userEvent.selectOptions(within(log).getByLabelText('Environment'), 'prod');
    await within(log).findByRole('row', { name: /promote web/ });
    expect(api.requests.map((r) => r.path)).toContain('/api/v1/releases/log?env=prod&limit=50');
  });

  it("reads a service's log for that service only", async () => {
    const { api } = openReleases('read-token', '/releases/web');
    await screen.findByRole('region', { name: 'Release log' });
    await screen.findByText(/promote web m3 from dev to staging/);
    expect(api.requests.map((r) => r.path)).toContain('/api/v1/releases/log?service=web&limit=50');
  });

  it('shows crash reports per app with their log lines', async () => {
    const crashes = {
      reports: [
        { app: 'web', env: 'prod', namespace: 'web-prod', pod: 'web-5d9f-x2', container: 'web', reason: 'CrashLoopBackOff', exitCode: 1, restartCount: 4, time: hoursAgo(1), release: { service: 'web', artifact: 'm2', commit: 'c'.repeat(40), author: 'Bo' }, logLines: ['starting', 'panic: no DATABASE_URL'] },
      ],
    };
    openReleases('read-token', '/releases/web', { crashes });
    const section = await screen.findByRole('region', { name: 'Crash reports' });
    const lines = await within(section).findByRole('region', { name: 'Last log lines of web-5d9f-x2/web' });
    expect(lines.tagName).toBe('PRE');
    expect(lines.textContent).toBe('starting\npanic: no DATABASE_URL');
    expect(within(section).getByText(/CrashLoopBackOff, exit code 1, 4 restarts/)).toBeTruthy();
    expect(within(section).getByText('Release m2, commit ccccccc by Bo')).toBeTruthy();
  });

  it('says there are no crash reports when the agent does not serve them (404)', async () => {
    openReleases('read-token', '/releases');
    expect(await screen.findByText('No crash reports.')).toBeTruthy();
  });

  it('reads the service again when the live app states change, so a release made elsewhere shows', async () => {
    const { api, setStatus } = openReleases('read-token', '/releases/web', { apps: [appState('web', 'prod')] });
    const prodRow = async () => (await screen.findByRole('rowheader', { name: /^prod/ })).closest('tr')!;
    expect(within(await prodRow()).getByText('m2')).toBeTruthy();
    await screen.findByText(/promote web m3/);
    setStatus(webStatus('m3'));
    await waitFor(() => expect(api.openStreams).toBe(1));
    api.streams[0].send({ type: 'app', state: appState('web', 'prod', { revision: 'e'.repeat(40) }) });
    expect(await within(await prodRow()).findByText('m3')).toBeTruthy();
  });
});
