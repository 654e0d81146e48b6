// An app in one environment: its state, refresh and sync. Still to be built (issue 15): the resource
// tree, live manifests, the diff view, events and logs, history with rollback, and delete.
import type { ApiClient, Role } from '../api/client.ts';
import type { LiveApps } from '../live/use-live-apps.ts';
import { ago } from '../overview/overview.tsx';
import { filterQuery, syncLabel } from '../overview/filters.ts';
import { Link } from '../router.tsx';
import { StateBadge } from '../state-badge.tsx';
import { AppActions } from './app-actions.tsx';
import { useNow } from '../use-now.ts';

export interface AppPageProps {
  live: LiveApps;
  client: ApiClient;
  env: string;
  app: string;
  role?: Role;
}

export function AppPage({ live, client, env, app, role }: AppPageProps) {
  const now = useNow();
  const state = live.apps.find((s) => s.env === env && s.app === app);
  return (
    <section className="app-page">
      <p>
        <Link href={`/${filterQuery({ view: 'list' })}`}>← Applications</Link>
      </p>
      <h1>
        {app} <span className="muted">in {env}</span>
      </h1>
      {!live.loaded ? (
        <p className="loading">Loading…</p>
      ) : !state ? (
        <p role="alert" className="error">
          No app {app} in environment {env}.
        </p>
      ) : (
        <>
          <dl className="facts">
            <dt>Sync</dt>
            <dd>
              <StateBadge code={syncLabel(state)} />
            </dd>
            <dt>Health</dt>
            <dd>
              <StateBadge code={state.health} /> {state.healthMessage}
            </dd>
            <dt>Revision applied</dt>
            <dd>
              <code>{state.revision || 'never synced'}</code>
            </dd>
            <dt>Target revision</dt>
            <dd>
              <code>{state.targetRevision || 'unknown'}</code>
            </dd>
            <dt>Last sync</dt>
            <dd>{state.lastSync ? `${state.lastSync.result} ${ago(state.lastSync.finishedAt, now)} by ${state.lastSync.who}${state.lastSync.message ? `: ${state.lastSync.message}` : ''}` : '—'}</dd>
            <dt>Automated</dt>
            <dd>{state.automated ? `yes${state.selfHeal ? ', self-heal' : ''}${state.prune ? ', prune' : ''}` : 'no (manual sync)'}</dd>
            {state.operation && (
              <>
                <dt>Operation</dt>
                <dd>
                  {state.operation.phase} ({state.operation.trigger}) since {state.operation.since}
                </dd>
              </>
            )}
            {state.drift && (
              <>
                <dt>Drift</dt>
                <dd>{state.drift.objects.join(', ')}</dd>
              </>
            )}
            {state.failures > 0 && (
              <>
                <dt>Failures</dt>
                <dd>
                  {state.failures}
                  {state.nextRetryAt ? `, next retry ${state.nextRetryAt}` : ''}
                </dd>
              </>
            )}
            {state.error && (
              <>
                <dt>Error</dt>
                <dd className="error">{state.error}</dd>
              </>
            )}
          </dl>
          <AppActions key={`${env}/${app}`} client={client} state={state} role={role} />
          <p className="muted">The resource tree, live manifests, diff view, events and logs, history with rollback, and delete are not built yet.</p>
        </>
      )}
    </section>
  );
}
