// An app in one environment: its state, refresh and sync; its objects as a tree with the selected
// object's manifest, diff, events and logs; its history with rollback; delete for admins.
import type { ApiClient, Role } from '../api/client.ts';
import type { LiveApps } from '../live/use-live-apps.ts';
import { ago } from '../overview/overview.tsx';
import { filterQuery, syncLabel } from '../overview/filters.ts';
import { Link, useLocation } from '../router.tsx';
import { StateBadge } from '../state-badge.tsx';
import { useNow } from '../use-now.ts';
import { AppActions } from './app-actions.tsx';
import './app-page.css';
import { DeleteApp } from './delete-app.tsx';
import { HistoryList } from './history-list.tsx';
import { ObjectsSection } from './objects-section.tsx';

export interface AppPageProps {
  live: LiveApps;
  client: ApiClient;
  env: string;
  app: string;
  role?: Role;
  /** Least time between two reads of the object tree while live events come in; default 2 s. */
  refreshMs?: number;
}

export function AppPage({ live, client, env, app, role, refreshMs }: AppPageProps) {
  const now = useNow();
  const { search } = useLocation();
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
          <ObjectsSection key={`objects ${env}/${app}`} client={client} state={state} search={search} refreshMs={refreshMs} />
          <HistoryList key={`history ${env}/${app}`} client={client} state={state} role={role} />
          {role === 'admin' && <DeleteApp key={`delete ${env}/${app}`} client={client} state={state} />}
        </>
      )}
    </section>
  );
}
